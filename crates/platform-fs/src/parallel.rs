//! Work spread over the machine's cores, results in order: opening a thousand sealed files or
//! ten thousand values is independent work each; the tools run it on every core.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over `items` on every available core (at most one thread per `chunk` items, so small
/// inputs stay on this thread), results in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, chunk, || (), |(), item| f(item))
}

/// [`map`] where each thread first makes what its items share (`init`: a cipher's key
/// schedule) and `f` borrows it.
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    chunk: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len() / chunk.max(1))
        .max(1);
    if threads == 1 {
        let shared = init();
        return items.iter().map(|item| f(&shared, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let shared = init();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(&shared, item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    });
    // Each result to its item's place: sorting 10,000 (index, ciphertext) pairs cost more than
    // a tenth of the sealing.
    let mut placed: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in results.drain(..) {
        placed[i] = Some(r);
    }
    placed
        .into_iter()
        .map(|r| r.expect("every item has a result"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u32> = (0..10_000).collect();
        assert_eq!(
            super::map(&items, 1, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&items[..3], 100, |i| i + 1), vec![1, 2, 3]);
        assert!(super::map(&[] as &[u32], 1, |i| *i).is_empty());
    }
}
