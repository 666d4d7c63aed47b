//! Who may work on which context now: the engine's serialisation of
//! transactions and events (H.248.1 clause 6.1: the commands addressed to
//! a context apply in order, one transaction at a time).
//!
//! Work holds either some contexts (0 is the NULL context), beside other
//! work on other contexts, or the whole engine alone (the ALL context,
//! Move; [`Access::Exclusive`]). The table is one short synchronous lock:
//! taking free contexts costs a lock and a set insertion per context, and
//! only work that must wait queues a waiter. Waiters are granted in arrival
//! order: one never overtakes an earlier waiter for a context it also
//! wants, and an exclusive waiter holds back every later arrival (as a fair
//! read-write lock does), so neither side starves. All of a holder's
//! contexts are granted at once, so two holders never wait on each other.
//!
//! A grant is a [`Held`], released when dropped; a holder can also take a
//! context it has just created ([`Held::claim_new`]), which nobody else can
//! hold or wait for yet.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use h248_stack::transaction::PeerKeyed;
use smallvec::SmallVec;

/// What a transaction needs to hold before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// These contexts (0: the NULL context), beside other transactions;
    /// ascending, without repeats.
    Contexts(SmallVec<[u32; 4]>),
    /// The whole engine, alone (the ALL context, Move).
    Exclusive,
}

/// The contexts held now and the waiters, behind one lock.
#[derive(Default)]
pub struct ClaimTable {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Contexts held now.
    held: HashSet<u32, PeerKeyed>,
    /// Holders of contexts (the shared side) now.
    sharing: usize,
    /// The exclusive holder runs.
    exclusive: bool,
    /// Waiters in arrival order, granted ones until they see it.
    waiters: VecDeque<Waiter>,
    /// Waiters not granted yet.
    waiting: usize,
    next_ticket: u64,
}

struct Waiter {
    ticket: u64,
    access: Access,
    granted: bool,
    waker: Waker,
}

/// How a [`Held`] holds the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Only contexts it created ([`Held::claim_new`]).
    Created,
    Shared,
    Exclusive,
}

impl Inner {
    /// Whether `access` can be granted now, ignoring the queue.
    fn free(&self, access: &Access) -> bool {
        match access {
            Access::Exclusive => !self.exclusive && self.sharing == 0,
            Access::Contexts(ids) => {
                !self.exclusive && ids.iter().all(|id| !self.held.contains(id))
            }
        }
    }

    fn take(&mut self, access: &Access) {
        match access {
            Access::Exclusive => self.exclusive = true,
            Access::Contexts(ids) => {
                self.sharing += 1;
                self.held.extend(ids.iter().copied());
            }
        }
    }

    fn give_back(&mut self, mode: Mode, contexts: &[u32]) {
        for id in contexts {
            self.held.remove(id);
        }
        match mode {
            Mode::Created => {}
            Mode::Shared => self.sharing -= 1,
            Mode::Exclusive => self.exclusive = false,
        }
    }

    /// Grants what waiters can have now, in arrival order; returns the
    /// wakers of those granted.
    fn grant(&mut self) -> SmallVec<[Waker; 2]> {
        let mut woken = SmallVec::new();
        if self.waiting == 0 {
            return woken;
        }
        // Contexts earlier waiters still wait for: not to be overtaken.
        let mut wanted: SmallVec<[u32; 8]> = SmallVec::new();
        let mut ahead = false;
        let mut i = 0;
        while i < self.waiters.len() {
            let w = &self.waiters[i];
            i += 1;
            if w.granted {
                continue;
            }
            let pass = match &w.access {
                Access::Exclusive => !ahead && self.free(&w.access),
                Access::Contexts(ids) => {
                    !self.exclusive
                        && ids
                            .iter()
                            .all(|id| !self.held.contains(id) && !wanted.contains(id))
                }
            };
            if pass {
                let access = w.access.clone();
                self.take(&access);
                let w = &mut self.waiters[i - 1];
                w.granted = true;
                woken.push(w.waker.clone());
                self.waiting -= 1;
                if self.exclusive {
                    break;
                }
                continue;
            }
            match &w.access {
                // Nobody behind an exclusive waiter goes first.
                Access::Exclusive => break,
                Access::Contexts(ids) => wanted.extend(ids.iter().copied()),
            }
            ahead = true;
        }
        woken
    }

    /// Whether context `id` is held or awaited.
    fn in_use(&self, id: u32) -> bool {
        self.held.contains(&id)
            || self.waiters.iter().any(|w| match &w.access {
                Access::Contexts(ids) => ids.contains(&id),
                Access::Exclusive => false,
            })
    }
}

impl ClaimTable {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `access` is granted.
    pub fn acquire<'c>(&'c self, access: &Access) -> Acquire<'c> {
        Acquire {
            table: self,
            access: access.clone(),
            ticket: None,
        }
    }

    /// Whether context `id` is held or awaited (an ID not to be given to
    /// a new context yet).
    pub fn in_use(&self, id: u32) -> bool {
        self.lock().in_use(id)
    }

    /// Contexts held now other than the NULL context (tests).
    #[cfg(test)]
    pub fn held_contexts(&self) -> usize {
        self.lock().held.iter().filter(|&&id| id != 0).count()
    }

    fn release(&self, mode: Mode, contexts: &[u32]) {
        let woken = {
            let mut inner = self.lock();
            inner.give_back(mode, contexts);
            inner.grant()
        };
        woken.into_iter().for_each(Waker::wake);
    }
}

/// A grant: the contexts (or the engine) it holds until dropped.
pub struct Held<'c> {
    /// `None`: holds nothing (a default value).
    table: Option<&'c ClaimTable>,
    mode: Mode,
    /// Contexts held, granted or created.
    contexts: SmallVec<[u32; 4]>,
}

impl Default for Held<'_> {
    fn default() -> Self {
        Held {
            table: None,
            mode: Mode::Created,
            contexts: SmallVec::new(),
        }
    }
}

impl<'c> Held<'c> {
    /// Takes context `id`, just created in `table`: nobody holds or waits
    /// for it (the engine never reuses an ID [`ClaimTable::in_use`]).
    pub fn claim_new(&mut self, table: &'c ClaimTable, id: u32) {
        table.lock().held.insert(id);
        self.table.get_or_insert(table);
        self.contexts.push(id);
    }

    /// Takes over the contexts `other` holds (created under it), to be
    /// released with these.
    pub fn absorb(&mut self, mut other: Held<'c>) {
        if let Some(table) = other.table {
            self.table.get_or_insert(table);
        }
        self.contexts.extend(other.contexts.drain(..));
    }

    /// The contexts held (tests).
    #[cfg(test)]
    pub fn contexts(&self) -> &[u32] {
        &self.contexts
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(table) = self.table {
            if self.mode != Mode::Created || !self.contexts.is_empty() {
                table.release(self.mode, &self.contexts);
            }
        }
    }
}

/// The future of [`ClaimTable::acquire`]; dropped before it is granted,
/// it leaves the queue (and gives back a grant it had not seen yet).
pub struct Acquire<'c> {
    table: &'c ClaimTable,
    access: Access,
    /// Its place in the queue, once it waits.
    ticket: Option<u64>,
}

/// How a grant of `access` holds the engine, and its contexts.
fn grant_of(access: Access) -> (Mode, SmallVec<[u32; 4]>) {
    match access {
        Access::Exclusive => (Mode::Exclusive, SmallVec::new()),
        Access::Contexts(ids) => (Mode::Shared, ids),
    }
}

impl<'c> Acquire<'c> {
    fn held(&mut self) -> Held<'c> {
        let (mode, contexts) = grant_of(std::mem::replace(&mut self.access, Access::Exclusive));
        Held {
            table: Some(self.table),
            mode,
            contexts,
        }
    }
}

impl<'c> Future for Acquire<'c> {
    type Output = Held<'c>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Held<'c>> {
        let this = self.get_mut();
        let mut inner = this.table.lock();
        match this.ticket {
            None => {
                if inner.waiting == 0 && inner.free(&this.access) {
                    inner.take(&this.access);
                    drop(inner);
                    return Poll::Ready(this.held());
                }
                let ticket = inner.next_ticket;
                inner.next_ticket += 1;
                inner.waiters.push_back(Waiter {
                    ticket,
                    access: this.access.clone(),
                    granted: false,
                    waker: cx.waker().clone(),
                });
                inner.waiting += 1;
                // Free contexts that only earlier waiters for other
                // contexts kept from the fast path are granted now.
                let mut woken = inner.grant();
                let granted = inner.waiters.back().is_some_and(|w| w.granted);
                if granted {
                    // The last granted, so the last woken: itself.
                    inner.waiters.pop_back();
                    woken.pop();
                }
                drop(inner);
                woken.into_iter().for_each(Waker::wake);
                if granted {
                    return Poll::Ready(this.held());
                }
                this.ticket = Some(ticket);
                Poll::Pending
            }
            Some(ticket) => {
                let Some(at) = inner.waiters.iter().position(|w| w.ticket == ticket) else {
                    // Not reachable: the waiter leaves only here or on drop.
                    return Poll::Pending;
                };
                if inner.waiters[at].granted {
                    inner.waiters.remove(at);
                    this.ticket = None;
                    drop(inner);
                    return Poll::Ready(this.held());
                }
                if !inner.waiters[at].waker.will_wake(cx.waker()) {
                    inner.waiters[at].waker = cx.waker().clone();
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let woken = {
            let mut inner = self.table.lock();
            let Some(at) = inner.waiters.iter().position(|w| w.ticket == ticket) else {
                return;
            };
            let Some(waiter) = inner.waiters.remove(at) else {
                return;
            };
            if waiter.granted {
                let (mode, contexts) = grant_of(waiter.access);
                inner.give_back(mode, &contexts);
            } else {
                inner.waiting -= 1;
            }
            inner.grant()
        };
        woken.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smallvec::smallvec;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    fn contexts(ids: &[u32]) -> Access {
        Access::Contexts(ids.iter().copied().collect())
    }

    /// A waker counting its wakes.
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn poll<'c>(f: &mut Acquire<'c>, waker: &Waker) -> Option<Held<'c>> {
        match Pin::new(f).poll(&mut Context::from_waker(waker)) {
            Poll::Ready(h) => Some(h),
            Poll::Pending => None,
        }
    }

    #[test]
    fn free_contexts_are_granted_at_once_and_released_on_drop() {
        let table = ClaimTable::default();
        let waker = Waker::noop();
        let a = poll(&mut table.acquire(&contexts(&[1, 2])), waker).expect("free");
        let b = poll(&mut table.acquire(&contexts(&[3])), waker).expect("free");
        assert_eq!(table.held_contexts(), 3);
        drop(a);
        drop(b);
        assert_eq!(table.held_contexts(), 0);
        let inner = table.lock();
        assert_eq!(
            (inner.sharing, inner.exclusive, inner.waiters.len()),
            (0, false, 0)
        );
    }

    #[test]
    fn a_held_context_is_waited_for_in_arrival_order() {
        let table = ClaimTable::default();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let first = poll(&mut table.acquire(&contexts(&[1])), &waker).expect("free");
        let mut second = table.acquire(&contexts(&[1, 2]));
        assert!(poll(&mut second, &waker).is_none());
        // 2 is free, but the earlier waiter wants it too: no overtaking.
        let mut third = table.acquire(&contexts(&[2]));
        assert!(poll(&mut third, &waker).is_none());
        // Another context entirely is not held back.
        let other = poll(&mut table.acquire(&contexts(&[7])), &waker).expect("free");
        drop(first);
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
        let second = poll(&mut second, &waker).expect("granted");
        assert_eq!(second.contexts(), &[1, 2]);
        assert!(poll(&mut third, &waker).is_none());
        drop(second);
        assert!(poll(&mut third, &waker).is_some());
        drop(other);
    }

    #[test]
    fn exclusive_waits_for_holders_and_holds_back_later_arrivals() {
        let table = ClaimTable::default();
        let waker = Waker::noop();
        let a = poll(&mut table.acquire(&contexts(&[1])), waker).expect("free");
        let mut all = table.acquire(&Access::Exclusive);
        assert!(poll(&mut all, waker).is_none());
        let mut later = table.acquire(&contexts(&[5]));
        assert!(
            poll(&mut later, waker).is_none(),
            "behind the exclusive waiter"
        );
        drop(a);
        let all_held = poll(&mut all, waker).expect("granted");
        assert!(poll(&mut later, waker).is_none());
        drop(all_held);
        assert!(poll(&mut later, waker).is_some());
    }

    #[test]
    fn a_dropped_waiter_leaves_the_queue_and_a_dropped_grant_is_given_back() {
        let table = ClaimTable::default();
        let waker = Waker::noop();
        let a = poll(&mut table.acquire(&contexts(&[1])), waker).expect("free");
        let mut gone = table.acquire(&contexts(&[1]));
        assert!(poll(&mut gone, waker).is_none());
        drop(gone);
        let mut granted_unseen = table.acquire(&contexts(&[1]));
        assert!(poll(&mut granted_unseen, waker).is_none());
        drop(a);
        // Granted, but dropped before it saw it: the context comes back.
        drop(granted_unseen);
        assert_eq!(table.held_contexts(), 0);
        assert!(poll(&mut table.acquire(&Access::Exclusive), waker).is_some());
        let inner = table.lock();
        assert_eq!(
            (inner.sharing, inner.exclusive, inner.waiting),
            (0, false, 0)
        );
    }

    #[test]
    fn created_contexts_are_held_and_in_use() {
        let table = ClaimTable::default();
        let waker = Waker::noop();
        let mut held = Held::default();
        held.claim_new(&table, 9);
        assert!(table.in_use(9));
        let mut blocked = table.acquire(&contexts(&[9]));
        assert!(poll(&mut blocked, waker).is_none());
        assert!(table.in_use(9));
        let mut grant = poll(&mut table.acquire(&contexts(&[0])), waker).expect("free");
        grant.absorb(held);
        assert_eq!(grant.contexts(), &[0, 9]);
        drop(grant);
        assert!(poll(&mut blocked, waker).is_some());
        let default: Held<'_> = Held::default();
        drop(default);
        let _: Access = Access::Contexts(smallvec![1]);
    }
}
