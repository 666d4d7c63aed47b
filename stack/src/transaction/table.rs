//! The table of incoming transactions, split into shards.
//!
//! The table holds every request of the last LONG-TIMER (Annex D.1.5): at
//! 40 000 requests per second and a 5 s LONG-TIMER, 200 000 entries. A
//! single hash table grows by doubling, and each doubling rehashes every
//! entry into freshly mapped memory at once: in h248d under load that was
//! a pause of 20, 40, then 80 ms (the pages faulted in, zeroed, while the
//! entries moved), and every transaction in flight waited through it. Split
//! by transaction identifier (consecutive identifiers fall in consecutive
//! shards), each shard grows on its own and a growth moves a
//! [`SHARDS`]th of the table.

use std::collections::HashMap;
use std::hash::Hash;

use super::state::InState;
use super::{InTxn, PeerKeyed, PeerKeyedMap};
use crate::model::TransactionId;

/// Shards per table.
pub(crate) const SHARDS: usize = 64;

/// A shard of at most this many entries' capacity is never shrunk.
const SHRINK_ABOVE: usize = 256;

type Key<P> = (P, TransactionId);

/// Incoming transactions by peer and identifier, counted by state so that
/// the gauges (`live_transactions`, `cached_replies`) never walk the table.
pub(crate) struct InTable<P> {
    shards: Box<[PeerKeyedMap<Key<P>, InTxn>]>,
    /// Entries per state: in progress, answered, confirmed.
    by_state: [usize; 3],
    /// The most entries held since the shards were last looked at for
    /// shrinking: [`InTable::shrink`] looks at them only once the table has
    /// fallen to a quarter of it, not at every timer.
    peak: usize,
}

fn state_index(txn: &InTxn) -> usize {
    match txn.state {
        InState::InProgress(_) => 0,
        InState::Answered(_) => 1,
        InState::Confirmed(_) => 2,
    }
}

fn shard_of(id: TransactionId) -> usize {
    id as usize % SHARDS
}

impl<P: Eq + Hash> InTable<P> {
    pub(crate) fn new() -> Self {
        InTable {
            shards: (0..SHARDS)
                .map(|_| HashMap::with_hasher(PeerKeyed::default()))
                .collect(),
            by_state: [0; 3],
            peak: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_state.iter().sum()
    }

    pub(crate) fn get(&self, key: &Key<P>) -> Option<&InTxn> {
        self.shards[shard_of(key.1)].get(key)
    }

    /// Requests being executed.
    pub(crate) fn in_progress(&self) -> usize {
        self.by_state[0]
    }

    /// Replies kept for retransmission.
    pub(crate) fn answered(&self) -> usize {
        self.by_state[1]
    }

    /// Runs `f` on the entry of `key`, if any, keeping the counts true
    /// whatever state `f` leaves it in.
    pub(crate) fn update<R>(&mut self, key: &Key<P>, f: impl FnOnce(&mut InTxn) -> R) -> Option<R> {
        let txn = self.shards[shard_of(key.1)].get_mut(key)?;
        let before = state_index(txn);
        let result = f(txn);
        self.by_state[before] -= 1;
        self.by_state[state_index(txn)] += 1;
        Some(result)
    }

    pub(crate) fn insert(&mut self, key: Key<P>, txn: InTxn) -> Option<InTxn> {
        self.by_state[state_index(&txn)] += 1;
        let old = self.shards[shard_of(key.1)].insert(key, txn);
        match &old {
            Some(old) => self.by_state[state_index(old)] -= 1,
            None => self.peak = self.peak.max(self.len()),
        }
        old
    }

    pub(crate) fn remove(&mut self, key: &Key<P>) -> Option<InTxn> {
        let old = self.shards[shard_of(key.1)].remove(key);
        if let Some(old) = &old {
            self.by_state[state_index(old)] -= 1;
        }
        old
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Key<P>, &InTxn)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    /// Entries the shards hold room for without growing.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.shards.iter().map(HashMap::capacity).sum()
    }

    /// Gives back the memory a burst grew the shards to
    /// ([`shrink_target`](super::shrink_target), per shard), once the table
    /// has fallen to a quarter of its peak.
    pub(crate) fn shrink(&mut self) {
        let len = self.len();
        if len >= self.peak / 4 {
            return;
        }
        self.peak = len;
        for shard in self.shards.iter_mut() {
            if let Some(target) = super::shrink_target(shard.len(), shard.capacity(), SHRINK_ABOVE)
            {
                shard.shrink_to(target);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::transaction::state::{Confirmed, InProgress};

    fn txn(version: u8) -> InTxn {
        InTxn {
            version,
            timer: 0,
            state: InState::InProgress(InProgress::new(Instant::now())),
        }
    }

    #[test]
    fn behaves_as_one_map_and_spreads_consecutive_identifiers() {
        let mut table: InTable<u8> = InTable::new();
        for id in 0..6400u32 {
            assert!(table.insert((1, id), txn(1)).is_none());
        }
        assert!(table.insert((2, 5), txn(2)).is_none());
        assert_eq!(table.insert((1, 5), txn(3)).map(|t| t.version), Some(1));
        assert_eq!(table.len(), 6401);
        assert_eq!(table.get(&(1, 5)).map(|t| t.version), Some(3));
        assert_eq!(table.get(&(2, 5)).map(|t| t.version), Some(2));
        assert!(table.get(&(3, 5)).is_none());
        assert_eq!(table.in_progress(), 6401);
        table.update(&(2, 5), |t| {
            t.version = 9;
            t.state = InState::Confirmed(Confirmed {
                expires: Instant::now(),
            });
        });
        assert_eq!(table.in_progress(), 6400);
        assert_eq!(table.remove(&(2, 5)).map(|t| t.version), Some(9));
        assert!(table.remove(&(2, 5)).is_none());
        assert_eq!(table.len(), 6400);
        assert_eq!((table.in_progress(), table.answered()), (6400, 0));
        assert_eq!(table.iter().count(), 6400);
        assert!(table.shards.iter().all(|s| s.len() == 100));
    }

    #[test]
    fn shrinks_shards_left_mostly_empty() {
        let mut table: InTable<u8> = InTable::new();
        for id in 0..64_000u32 {
            table.insert((1, id), txn(1));
        }
        let grown = table.capacity();
        for id in 0..63_000u32 {
            table.remove(&(1, id));
        }
        table.shrink();
        assert!(
            table.capacity() <= grown / 4,
            "{grown} -> {}",
            table.capacity()
        );
        assert_eq!(table.len(), 1000);
        assert!((63_000..64_000).all(|id| table.get(&(1, id)).is_some()));
    }
}
