//! hcl-format's tests: golden files made by `terraform fmt`, a differential test against a live
//! engine, and properties (never panics, idempotent, whitespace only).

mod support;

mod differential;
mod edge_cases;
mod golden;
mod properties;
