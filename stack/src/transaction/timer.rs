//! A deterministic timer queue with lazy cancellation: entries carry the
//! generation of the state that armed them; a state re-arms by taking a new
//! generation, and stale entries are skipped when they come due (and purged
//! when they outnumber the live ones, so the queue stays bounded).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::model::TransactionId;

/// What a timer is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimerKey<P> {
    /// An outgoing transaction (retransmission, Pending wait, reassembly,
    /// tombstone expiry).
    Out(TransactionId),
    /// An incoming transaction (provisional response, reply resend, cache
    /// expiry).
    In(P, TransactionId),
    /// The TransactionResponseAck batch for a peer.
    Ack(P),
}

#[derive(Debug)]
struct Entry<P> {
    at: Instant,
    generation: u64,
    key: TimerKey<P>,
}

impl<P> PartialEq for Entry<P> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.generation == other.generation
    }
}
impl<P> Eq for Entry<P> {}
impl<P> PartialOrd for Entry<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<P> Ord for Entry<P> {
    /// Reversed: the earliest deadline (then the oldest arming) on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.generation.cmp(&self.generation))
    }
}

/// The queue. Generations are unique across the engine, so `(at,
/// generation)` orders entries totally and ties never depend on hashing.
#[derive(Debug)]
pub(crate) struct Timers<P> {
    heap: BinaryHeap<Entry<P>>,
    next_generation: u64,
}

impl<P: Clone> Timers<P> {
    pub(crate) fn new() -> Self {
        Timers {
            heap: BinaryHeap::new(),
            next_generation: 1,
        }
    }

    /// Arms a timer; returns the generation the owning state must remember.
    pub(crate) fn arm(&mut self, at: Instant, key: TimerKey<P>) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        self.heap.push(Entry {
            at,
            generation,
            key,
        });
        generation
    }

    /// The earliest entry, live or stale.
    pub(crate) fn peek(&self) -> Option<(Instant, u64, &TimerKey<P>)> {
        self.heap.peek().map(|e| (e.at, e.generation, &e.key))
    }

    /// Pops the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(u64, TimerKey<P>)> {
        if self.heap.peek().is_some_and(|e| e.at <= now) {
            self.heap.pop().map(|e| (e.generation, e.key))
        } else {
            None
        }
    }

    /// Drops the earliest entry (a stale one).
    pub(crate) fn pop(&mut self) {
        self.heap.pop();
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Keeps only the entries `live` says are current.
    pub(crate) fn retain(&mut self, mut live: impl FnMut(u64, &TimerKey<P>) -> bool) {
        let entries = std::mem::take(&mut self.heap).into_vec();
        self.heap = entries
            .into_iter()
            .filter(|e| live(e.generation, &e.key))
            .collect();
    }
}
