//! kubectl-vteam against real peers: the real kubectl reading what we write, a loopback HTTPS
//! Kubernetes API server with its own CA, concurrent and killed writers.

mod support;

mod commands;
mod discovery;
mod kubectl;
mod preserve;
mod safety;
mod shapes;
mod vault;
