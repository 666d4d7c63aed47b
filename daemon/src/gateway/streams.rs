//! The streams of one termination (H.248.1 clause 7.1.1: a handful, most
//! often one), kept in a vector sorted by stream ID: a termination with
//! one stream costs one small allocation where a `BTreeMap` leaf would
//! reserve room for eleven.

use h248_stack::model::StreamId;

/// Per-stream values of one termination, ordered by stream ID.
#[derive(Debug, Clone)]
pub(crate) struct StreamMap<V>(Vec<(StreamId, V)>);

impl<V> Default for StreamMap<V> {
    fn default() -> Self {
        StreamMap(Vec::new())
    }
}

impl<V> StreamMap<V> {
    fn position(&self, id: StreamId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |(sid, _)| *sid)
    }

    /// Room for exactly one stream when there is none (the common case);
    /// later streams grow the vector as usual (amortised, so that an MGC
    /// naming many streams costs no quadratic copying).
    fn reserve_first(&mut self) {
        if self.0.is_empty() {
            self.0.reserve_exact(1);
        }
    }

    pub fn get(&self, id: &StreamId) -> Option<&V> {
        self.position(*id).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, id: &StreamId) -> Option<&mut V> {
        self.position(*id).ok().map(|i| &mut self.0[i].1)
    }

    /// Sets the value of stream `id`, replacing any before.
    pub fn insert(&mut self, id: StreamId, value: V) {
        match self.position(id) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => {
                self.reserve_first();
                self.0.insert(i, (id, value))
            }
        }
    }

    /// The value of stream `id`, made with `new` if there is none yet.
    pub fn get_or_insert_with(&mut self, id: StreamId, new: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(id) {
            Ok(i) => i,
            Err(i) => {
                self.reserve_first();
                self.0.insert(i, (id, new()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// The streams in stream ID order.
    pub fn iter(&self) -> impl Iterator<Item = (&StreamId, &V)> {
        self.0.iter().map(|(id, v)| (id, v))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<'a, V> IntoIterator for &'a StreamMap<V> {
    type Item = (&'a StreamId, &'a V);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (StreamId, V)>,
        fn(&'a (StreamId, V)) -> (&'a StreamId, &'a V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(id, v)| (id, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_in_stream_order_with_one_value_per_stream() {
        let mut streams = StreamMap::default();
        streams.insert(3, "c");
        streams.insert(1, "a");
        streams.insert(2, "b");
        streams.insert(1, "A");
        assert_eq!(
            streams.iter().map(|(id, v)| (*id, *v)).collect::<Vec<_>>(),
            [(1, "A"), (2, "b"), (3, "c")]
        );
        *streams.get_or_insert_with(4, || "d") = "D";
        assert_eq!(*streams.get_or_insert_with(2, || "x"), "b");
        assert_eq!(streams.get(&4), Some(&"D"));
        assert_eq!(streams.get(&5), None);
        for v in streams.values_mut() {
            *v = "z";
        }
        assert!(streams.iter().all(|(_, v)| *v == "z"));
    }
}
