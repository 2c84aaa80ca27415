//! The hooks on real repositories made in temp dirs, with real `git commit` and the pre-commit
//! framework.

mod support;

mod commit;
mod framework;
