//! `run --all`: every selected stack in dependency order (reversed for `destroy`), independent ones
//! in parallel, each output line prefixed with its stack.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{command_word, execute, invocation};
use crate::error::Result;
use crate::graph::{dependencies, order};
use crate::layout::Layout;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok,
    Failed(i32),
    Error(String),
    /// Not run: a dependency failed (or an earlier failure stopped scheduling).
    Skipped,
}

pub struct StackResult {
    pub stack: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

pub struct AllOptions {
    pub parallelism: usize,
    pub keep_going: bool,
}

/// Runs the stacks in dependency order (reversed for `destroy`), independent ones in parallel;
/// every output line is prefixed with its stack.
pub fn run_all(
    layout: &Layout,
    selected: &[usize],
    env: &str,
    args: &[String],
    opts: &AllOptions,
) -> Result<Vec<StackResult>> {
    let all_deps = dependencies(layout);
    order(&all_deps)?;
    let reverse = command_word(args) == Some("destroy");
    // Dependencies among the selected stacks only; reversed for destroy.
    let mut deps: BTreeMap<usize, Vec<usize>> = selected.iter().map(|&i| (i, Vec::new())).collect();
    for &i in selected {
        for &d in &all_deps[i] {
            if deps.contains_key(&d) {
                if reverse {
                    deps.get_mut(&d).expect("selected").push(i);
                } else {
                    deps.get_mut(&i).expect("selected").push(d);
                }
            }
        }
    }
    struct State {
        started: Vec<usize>,
        results: BTreeMap<usize, StackResult>,
        stop: bool,
    }
    let state = Arc::new((
        Mutex::new(State {
            started: Vec::new(),
            results: BTreeMap::new(),
            stop: false,
        }),
        Condvar::new(),
    ));
    let width = selected
        .iter()
        .map(|&i| layout.stacks[i].name.len())
        .max()
        .unwrap_or(0);
    let print = Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..opts.parallelism.max(1) {
            s.spawn(|| loop {
                let (lock, cvar) = &*state;
                let mut st = lock.lock().expect("not poisoned");
                let next = loop {
                    // Skip what can no longer run.
                    for &i in selected {
                        if st.started.contains(&i) {
                            continue;
                        }
                        let dep_failed = deps[&i]
                            .iter()
                            .any(|d| st.results.get(d).is_some_and(|r| r.outcome != Outcome::Ok));
                        if dep_failed || st.stop {
                            st.started.push(i);
                            st.results.insert(
                                i,
                                StackResult {
                                    stack: layout.stacks[i].name.clone(),
                                    outcome: Outcome::Skipped,
                                    duration: Duration::ZERO,
                                },
                            );
                            cvar.notify_all();
                        }
                    }
                    if st.started.len() >= selected.len() {
                        return;
                    }
                    let ready = selected.iter().copied().find(|i| {
                        !st.started.contains(i)
                            && deps[i].iter().all(|d| {
                                st.results.get(d).is_some_and(|r| r.outcome == Outcome::Ok)
                            })
                    });
                    match ready {
                        Some(i) => break i,
                        None => st = cvar.wait(st).expect("not poisoned"),
                    }
                };
                st.started.push(next);
                drop(st);
                let stack = &layout.stacks[next];
                let start = Instant::now();
                let prefix = format!("[{:<width$}]", stack.name);
                let line = |l: &str, is_err: bool| {
                    let _guard = print.lock();
                    if is_err {
                        eprintln!("{prefix} {l}");
                    } else {
                        println!("{prefix} {l}");
                    }
                };
                let outcome = match invocation(layout, stack, env, args)
                    .and_then(|inv| execute(stack, env, &inv, &line))
                {
                    Ok(status) if status.success() => Outcome::Ok,
                    Ok(status) => Outcome::Failed(status.code().unwrap_or(1)),
                    Err(e) => {
                        line(&format!("error: {e}"), true);
                        Outcome::Error(e.to_string())
                    }
                };
                let mut st = lock.lock().expect("not poisoned");
                if outcome != Outcome::Ok && !opts.keep_going {
                    st.stop = true;
                }
                st.results.insert(
                    next,
                    StackResult {
                        stack: stack.name.clone(),
                        outcome,
                        duration: start.elapsed(),
                    },
                );
                cvar.notify_all();
            });
        }
    });
    let (lock, _) = &*state;
    let mut st = lock.lock().expect("not poisoned");
    let mut results: Vec<StackResult> = std::mem::take(&mut st.results).into_values().collect();
    let pos = |name: &str| selected.iter().position(|&i| layout.stacks[i].name == name);
    let ordered = order(&all_deps)?;
    results.sort_by_key(|r| {
        ordered
            .iter()
            .position(|&i| Some(i) == pos(&r.stack).map(|p| selected[p]))
    });
    if reverse {
        results.reverse();
    }
    Ok(results)
}
