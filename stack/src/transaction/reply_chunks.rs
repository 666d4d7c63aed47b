//! Where the packed replies of the reply cache (Annex D.1.5) live: copied
//! one after the other into shared chunks, each reply a [`Bytes`] view of
//! its chunk.
//!
//! A cached reply lives LONG-TIMER, while the state of a context lives as
//! long as the call. Given a block of its own each, a reply of a few hundred
//! bytes lands in the same allocator pages as the contexts opened around
//! it, and when the replies expire those pages stay resident for the
//! contexts' sake: memory the process keeps without using it. In chunks,
//! the replies of the same moments share large blocks that no context
//! state is ever placed in, and a chunk is freed as a whole when the last
//! reply in it expires (replies expire in about the order they were made,
//! LONG-TIMER after being sent). One allocation per chunk rather than one
//! per reply, and no rounding of each reply up to an allocator size class.

use bytes::{Bytes, BytesMut};

/// Size of one chunk: a few hundred replies of typical size.
const CHUNK_BYTES: usize = 64 * 1024;

/// Replies larger than this get a block of their own rather than ending a
/// chunk early.
const OWN_BLOCK_BYTES: usize = CHUNK_BYTES / 8;

/// The chunk being filled (see the [module documentation](self)).
#[derive(Debug, Default)]
pub(crate) struct ReplyChunks {
    current: BytesMut,
}

impl ReplyChunks {
    /// A copy of `packed`, kept in the current chunk (a new one when it is
    /// full).
    pub fn store(&mut self, packed: &[u8]) -> Bytes {
        if packed.len() > OWN_BLOCK_BYTES {
            return Bytes::copy_from_slice(packed);
        }
        // `capacity` is what is left of the chunk after the replies already
        // split off it.
        if self.current.capacity() < packed.len() {
            self.current = BytesMut::with_capacity(CHUNK_BYTES);
        }
        self.current.extend_from_slice(packed);
        self.current.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies come back exactly as stored, consecutive ones share a chunk,
    /// and a full chunk is followed by a new one.
    #[test]
    fn replies_share_chunks_and_come_back_whole() {
        let mut chunks = ReplyChunks::default();
        let reply = |i: usize| vec![(i % 251) as u8; 100 + i % 50];
        let stored: Vec<Bytes> = (0..2_000).map(|i| chunks.store(&reply(i))).collect();
        for (i, bytes) in stored.iter().enumerate() {
            assert_eq!(bytes[..], reply(i)[..], "reply {i}");
        }
        // Adjacent replies of one chunk are adjacent in memory.
        let end_of_first = stored[0].as_ptr() as usize + stored[0].len();
        assert_eq!(end_of_first, stored[1].as_ptr() as usize);
        // About 250 KB of replies: at least 4 chunks, each filled before
        // the next starts.
        let starts = stored
            .windows(2)
            .filter(|w| w[0].as_ptr() as usize + w[0].len() != w[1].as_ptr() as usize)
            .count();
        let total: usize = stored.iter().map(Bytes::len).sum();
        assert!(starts + 1 >= total / CHUNK_BYTES, "{starts} chunk starts");
        assert!(
            starts < total / (CHUNK_BYTES - 200) + 2,
            "{starts} chunk starts"
        );
    }

    /// A large reply gets its own block and does not end the chunk early.
    #[test]
    fn a_large_reply_has_its_own_block() {
        let mut chunks = ReplyChunks::default();
        let a = chunks.store(b"first");
        let large = chunks.store(&vec![7; OWN_BLOCK_BYTES + 1]);
        let b = chunks.store(b"second");
        assert_eq!(large.len(), OWN_BLOCK_BYTES + 1);
        assert!(large.iter().all(|&b| b == 7));
        assert_eq!(a.as_ptr() as usize + a.len(), b.as_ptr() as usize);
        assert_eq!(&b[..], b"second");
    }

    /// An empty reply is stored as an empty view.
    #[test]
    fn an_empty_reply_is_empty() {
        let mut chunks = ReplyChunks::default();
        assert!(chunks.store(b"").is_empty());
        assert_eq!(&chunks.store(b"x")[..], b"x");
    }
}
