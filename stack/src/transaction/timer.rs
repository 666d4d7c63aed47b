//! A deterministic timer queue with lazy cancellation: entries carry the
//! generation of the state that armed them; a state re-arms by taking a new
//! generation, and stale entries are skipped when they come due (and purged
//! when they outnumber the live ones, so the queue stays bounded).
//!
//! A state that knows its old entry is now stale can also [`cancel`] it
//! (`Timers::cancel`): an entry in a lane is then marked in place and
//! dropped when it reaches the front, without the owner's table being
//! asked whether it is still current. That lookup is the cost that
//! matters under load: the tables hold every transaction of the last
//! LONG-TIMER, far beyond the CPU caches, so asking about an entry armed
//! seconds ago is a cache miss.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

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
pub(crate) struct Entry<P> {
    at: Instant,
    /// With [`CANCELLED`] set once [`Timers::cancel`] marked it (the
    /// generation itself is kept, so that a lane stays sorted by it; a flag
    /// field would grow every entry by 8 bytes).
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

/// The bit of [`Entry::generation`] that marks a cancelled entry
/// (generations count from 1 and never come near it).
const CANCELLED: u64 = 1 << 63;

impl<P> Entry<P> {
    fn cancelled(&self) -> bool {
        self.generation & CANCELLED != 0
    }

    /// The generation without the cancellation mark.
    fn armed_as(&self) -> u64 {
        self.generation & !CANCELLED
    }
}

/// Low bits of a generation that say where its entry went: 0 the heap,
/// `i + 1` lane `i`. The arming count sits above them, so generations
/// still order entries by arming.
const LANE_BITS: u32 = 4;
const LANE_TAG: u64 = (1 << LANE_BITS) - 1;
/// Most lanes a queue keeps (other delays go to the heap).
const MAX_LANES: usize = LANE_TAG as usize;

/// Entries per chunk of a [`Lane`].
const LANE_CHUNK: usize = 1024;

/// A FIFO of timer entries kept in fixed-size chunks. A lane holds every
/// timer of its delay armed within that delay (LONG-TIMER's lane: every
/// request of the last LONG-TIMER), and one contiguous buffer would grow
/// by doubling, copying all of it into fresh memory at once; chunks grow
/// and go one at a time.
#[derive(Debug)]
struct Lane<P> {
    chunks: VecDeque<VecDeque<Entry<P>>>,
    len: usize,
}

impl<P> Lane<P> {
    fn new() -> Self {
        Lane {
            chunks: VecDeque::new(),
            len: 0,
        }
    }

    fn front(&self) -> Option<&Entry<P>> {
        self.chunks.front().and_then(VecDeque::front)
    }

    fn back(&self) -> Option<&Entry<P>> {
        self.chunks.back().and_then(VecDeque::back)
    }

    fn push_back(&mut self, entry: Entry<P>) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < LANE_CHUNK => chunk.push_back(entry),
            _ => {
                let mut chunk = VecDeque::with_capacity(LANE_CHUNK);
                chunk.push_back(entry);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    /// Pops the front entry, then any cancelled ones behind it, so that
    /// the front of a lane is never a cancelled entry.
    fn pop_front(&mut self) -> Option<Entry<P>> {
        let entry = self.take_front();
        self.skip_cancelled();
        entry
    }

    fn take_front(&mut self) -> Option<Entry<P>> {
        let chunk = self.chunks.front_mut()?;
        let entry = chunk.pop_front()?;
        // An emptied chunk goes unless it is the last: a lane that empties
        // and refills (one timer at a time, at low load) keeps its chunk
        // instead of allocating one per timer.
        if chunk.is_empty() && self.chunks.len() > 1 {
            self.chunks.pop_front();
        }
        self.len -= 1;
        Some(entry)
    }

    /// Marks the entry of `generation` cancelled, if this lane holds it,
    /// and drops it at once if it is the front. Lanes are in arming order,
    /// so in generation order: a binary search over the chunks, then within
    /// one. The entry sought was usually armed moments ago, so both land in
    /// the lane's hot end.
    fn cancel(&mut self, generation: u64) -> bool {
        let found = self.mark_cancelled(generation);
        if found {
            self.skip_cancelled();
        }
        found
    }

    fn mark_cancelled(&mut self, generation: u64) -> bool {
        let (Some(front), Some(back)) = (self.front(), self.back()) else {
            return false;
        };
        if generation < front.armed_as() || generation > back.armed_as() {
            return false;
        }
        // The last chunk whose first entry is not after `generation`.
        let after = self
            .chunks
            .partition_point(|c| c.front().is_some_and(|e| e.armed_as() <= generation));
        let Some(chunk) = after.checked_sub(1).and_then(|i| self.chunks.get_mut(i)) else {
            return false;
        };
        match chunk.binary_search_by_key(&generation, Entry::armed_as) {
            Ok(i) if !chunk[i].cancelled() => {
                chunk[i].generation |= CANCELLED;
                true
            }
            _ => false,
        }
    }

    /// Drops the cancelled entries at the front.
    fn skip_cancelled(&mut self) {
        while self.front().is_some_and(Entry::cancelled) {
            self.take_front();
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&Entry<P>) -> bool) {
        for chunk in &mut self.chunks {
            chunk.retain(&mut keep);
        }
        self.chunks.retain(|c| !c.is_empty());
        self.len = self.chunks.iter().map(VecDeque::len).sum();
    }

    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.chunks.iter().map(VecDeque::capacity).sum()
    }
}

/// The queue. Generations are unique across the engine, so `(at,
/// generation)` orders entries totally and ties never depend on hashing.
///
/// Most timers are armed a fixed delay after `now` (LONG-TIMER, the
/// provisional response timer, the first retransmission...). Since `now`
/// does not go backwards, such deadlines arrive in order, so each fixed
/// delay gets a FIFO lane with O(1) arming and expiry; the rest go to a
/// binary heap.
#[derive(Debug)]
pub(crate) struct Timers<P> {
    heap: BinaryHeap<Entry<P>>,
    lanes: Vec<(Duration, Lane<P>)>,
    next_generation: u64,
}

impl<P: Clone> Timers<P> {
    /// A queue with a FIFO lane for each of `lane_delays` (duplicates and
    /// zero ignored).
    pub(crate) fn new(lane_delays: &[Duration]) -> Self {
        let mut lanes: Vec<(Duration, Lane<P>)> = Vec::new();
        for &d in lane_delays {
            if lanes.len() < MAX_LANES && !d.is_zero() && !lanes.iter().any(|(l, _)| *l == d) {
                lanes.push((d, Lane::new()));
            }
        }
        Timers {
            heap: BinaryHeap::new(),
            lanes,
            next_generation: 1,
        }
    }

    /// Arms a timer for `at`, armed at `now`; returns the generation the
    /// owning state must remember.
    pub(crate) fn arm(&mut self, now: Instant, at: Instant, key: TimerKey<P>) -> u64 {
        let delay = at.saturating_duration_since(now);
        // A lane takes the entry only if it keeps the lane sorted.
        let lane = self.lanes.iter().position(|(d, lane)| {
            *d == delay
                && match lane.back() {
                    None => true,
                    Some(last) => last.at <= at,
                }
        });
        // The place is written in the generation's low bits (see
        // [`LANE_BITS`]), so that `cancel` goes straight to it.
        let tag = lane.map_or(0, |i| i as u64 + 1);
        let generation = (self.next_generation << LANE_BITS) | tag;
        self.next_generation += 1;
        let entry = Entry {
            at,
            generation,
            key,
        };
        match lane.and_then(|i| self.lanes.get_mut(i)) {
            Some((_, lane)) => lane.push_back(entry),
            None => self.heap.push(entry),
        }
        generation
    }

    /// Where the earliest entry is: `None` for the heap, `Some(i)` for lane
    /// `i`.
    fn earliest(&self) -> Option<(Option<usize>, &Entry<P>)> {
        let mut best: Option<(Option<usize>, &Entry<P>)> = self.heap.peek().map(|e| (None, e));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(front) = lane.front() {
                // `Entry`'s order is reversed: greater means earlier.
                if !matches!(best, Some((_, b)) if b >= front) {
                    best = Some((Some(i), front));
                }
            }
        }
        best
    }

    /// The earliest entry, live or stale.
    pub(crate) fn peek(&self) -> Option<(Instant, u64, &TimerKey<P>)> {
        self.earliest().map(|(_, e)| (e.at, e.generation, &e.key))
    }

    /// Pops the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(u64, TimerKey<P>)> {
        match self.earliest() {
            Some((_, e)) if e.at <= now => self.pop().map(|e| (e.generation, e.key)),
            _ => None,
        }
    }

    /// Removes the earliest entry.
    pub(crate) fn pop(&mut self) -> Option<Entry<P>> {
        match self.earliest()?.0 {
            None => self.heap.pop(),
            Some(i) => self.lanes[i].1.pop_front(),
        }
    }

    /// Cancels the entry of `generation` if it is in a lane (the owner
    /// re-armed; see the module documentation). An entry in the heap is
    /// left to lazy cancellation. Returns whether it was found.
    pub(crate) fn cancel(&mut self, generation: u64) -> bool {
        let tag = (generation & LANE_TAG) as usize;
        match tag.checked_sub(1).and_then(|i| self.lanes.get_mut(i)) {
            Some((_, lane)) => lane.cancel(generation),
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|(_, l)| l.len).sum::<usize>()
    }

    /// Entries the queue holds room for without growing.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.heap.capacity() + self.lanes.iter().map(|(_, l)| l.capacity()).sum::<usize>()
    }

    /// Gives back the memory a burst grew the heap to
    /// ([`shrink_target`](super::shrink_target)); lanes free their chunks as
    /// they empty.
    pub(crate) fn shrink(&mut self, floor: usize) {
        if let Some(target) = super::shrink_target(self.heap.len(), self.heap.capacity(), floor) {
            self.heap.shrink_to(target);
        }
    }

    /// Keeps only the entries `live` says are current.
    pub(crate) fn retain(&mut self, mut live: impl FnMut(u64, &TimerKey<P>) -> bool) {
        let entries = std::mem::take(&mut self.heap).into_vec();
        self.heap = entries
            .into_iter()
            .filter(|e| live(e.generation, &e.key))
            .collect();
        for (_, lane) in &mut self.lanes {
            lane.retain(|e| !e.cancelled() && live(e.generation, &e.key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_and_heap_pop_in_deadline_order() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut timers: Timers<u8> = Timers::new(&[ms(100), ms(0), ms(100), ms(30)]);
        assert_eq!(timers.lanes.len(), 2);
        let mut rng = 0x1234_5678_u64;
        let mut armed = Vec::new();
        let mut now = t0;
        // Enough entries to fill several chunks of a lane.
        for _ in 0..5000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            now += ms(rng % 3);
            let delay = [ms(100), ms(30), ms(rng % 500), ms(0)][(rng >> 8) as usize % 4];
            let generation = timers.arm(now, now + delay, TimerKey::Out(0));
            armed.push((now + delay, generation));
        }
        armed.sort();
        let mut popped = Vec::new();
        while let Some((at, generation, _)) = timers.peek() {
            popped.push((at, generation));
            assert!(timers.pop_due(at).is_some());
        }
        assert_eq!(popped, armed);
        assert_eq!(timers.len(), 0);
        // Emptied lanes keep one chunk each, not the 5 000 entries' worth.
        assert!(timers.lanes.iter().all(|(_, l)| l.chunks.len() <= 1));
    }

    #[test]
    fn entries_stay_64_bytes_for_socket_address_peers() {
        assert!(std::mem::size_of::<Entry<std::net::SocketAddr>>() <= 64);
    }

    /// Cancelled entries never come due, wherever they are in their lane
    /// (front, middle, chunk boundaries); the others come in order.
    #[test]
    fn cancelled_entries_are_skipped() {
        let t0 = Instant::now();
        let delay = Duration::from_millis(100);
        let mut timers: Timers<u8> = Timers::new(&[delay]);
        let n = 3 * LANE_CHUNK as u64 + 7;
        let armed: Vec<(Instant, u64)> = (0..n)
            .map(|i| {
                let now = t0 + Duration::from_micros(i);
                (now + delay, timers.arm(now, now + delay, TimerKey::Out(1)))
            })
            .collect();
        // A timer outside any lane is left to lazy cancellation.
        let in_heap = timers.arm(t0, t0 + Duration::from_millis(7), TimerKey::Out(2));
        assert!(!timers.cancel(in_heap));
        let chunk = LANE_CHUNK;
        let cancelled: Vec<usize> = vec![
            0,
            1,
            5,
            chunk - 1,
            chunk,
            chunk + 1,
            2 * chunk,
            n as usize - 1,
        ];
        for &i in &cancelled {
            assert!(timers.cancel(armed[i].1), "entry {i}");
            assert!(!timers.cancel(armed[i].1), "entry {i} twice");
        }
        assert!(!timers.cancel(u64::MAX), "never armed");
        let mut due = Vec::new();
        while let Some((at, generation, _)) = timers.peek() {
            due.push((at, generation));
            assert!(timers.pop_due(at).is_some());
        }
        let mut expected: Vec<(Instant, u64)> = armed
            .iter()
            .enumerate()
            .filter(|(i, _)| !cancelled.contains(i))
            .map(|(_, e)| *e)
            .collect();
        expected.insert(0, (t0 + Duration::from_millis(7), in_heap));
        assert_eq!(due, expected);
        assert_eq!(timers.len(), 0);
    }

    #[test]
    fn a_lane_emptied_and_refilled_keeps_its_chunk() {
        let t0 = Instant::now();
        let delay = Duration::from_millis(100);
        let mut timers: Timers<u8> = Timers::new(&[delay]);
        for i in 0..3 * LANE_CHUNK as u64 {
            let now = t0 + Duration::from_millis(i);
            timers.arm(now, now + delay, TimerKey::Out(1));
            assert!(timers.pop_due(now + delay).is_some());
            assert_eq!(timers.lanes[0].1.chunks.len(), 1);
        }
        assert_eq!(timers.len(), 0);
        assert_eq!(timers.peek(), None);
    }
}
