//! Heap bytes per open context in the gateway engine (issue 6's memory
//! floor), counted exactly by a counting global allocator rather than read
//! from RSS (which includes allocator retention and the binary).
//!
//! Runs the Add of `../shared/tools/megaco-load` (`Context = $ { Add = $ {
//! Media { Stream = 1 { LocalControl { Mode = ReceiveOnly }, Local { v=0
//! c=IN IP4 $ m=audio $ RTP/AVP 0 } } } } }`) N times through the engine
//! with the `sim` backend, then its Modify (Remote and SendReceive), and
//! prints the live heap per context after each step; the Subtracts at the
//! end must give it all back.
//!
//! ```sh
//! cargo run --release --example context_memory -p h248d -- 100000
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::IpAddr;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;

use h248_profiles::profile::Profile;
use h248_stack::model::*;
use h248_stack::text;
use h248d::executor::Executor;
use h248d::gateway::sim::Pool;
use h248d::gateway::{Gateway, GatewayConfig, SimBackend, SimConfig};

/// The system allocator, counting live bytes and allocations.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see the impl).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ADD: &str = "MEGACO/3 [127.0.0.1]:2944\nTransaction = 1 { Context = $ { Add = $ { Media { \
    Stream = 1 { LocalControl { Mode = ReceiveOnly }, Local {\nv=0\nc=IN IP4 $\nm=audio $ RTP/AVP 0\n} } } } } }";

fn modify(context: u32, termination: &TerminationId) -> String {
    format!(
        "MEGACO/3 [127.0.0.1]:2944\nTransaction = 2 {{ Context = {context} {{ Modify = {} {{ Media {{ \
         Stream = 1 {{ LocalControl {{ Mode = SendReceive }}, Remote {{\nv=0\nc=IN IP4 192.0.2.10\n\
         m=audio 40000 RTP/AVP 0\n}} }} }} }} }} }}",
        termination.as_str()
    )
}

fn actions(message: &str) -> Vec<ActionRequest> {
    let message = text::decode(message.as_bytes()).expect("the example messages decode");
    match message.message.body {
        MessageBody::Transactions(mut t) => match t.remove(0) {
            Transaction::Request(r) => r.actions,
            other => panic!("not a request: {other:?}"),
        },
        other => panic!("not a transaction: {other:?}"),
    }
}

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn report(step: &str, before: isize, count: usize) {
    let per = (live() - before) as f64 / count.max(1) as f64;
    println!("{step}: {per:.0} bytes per context ({count} contexts)");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("a context count"))
        .unwrap_or(100_000);
    let mut config = GatewayConfig::new(Profile::iq());
    config.max_contexts = count + 1;
    config.max_terminations = count + 1;
    // Enough even ports for every context: 31 500 per address.
    let sim = SimConfig {
        pools: (1..=count.div_ceil(30_000).min(254) as u8)
            .map(|host| Pool {
                realm: None,
                address: IpAddr::from([127, 0, 0, host]),
                first_port: 2000,
                last_port: 65000,
            })
            .collect(),
        ..SimConfig::default()
    };
    let gateway = Gateway::new(config, Arc::new(SimBackend::new(sim)));
    let add = actions(ADD);

    // The example's own list of what it opened is allocated before counting.
    let mut opened: Vec<(u32, TerminationId)> = Vec::with_capacity(count);
    let before = live();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..count {
        let TransactionResult::ActionReplies(replies) = gateway.execute(3, add.clone()).await
        else {
            panic!("the Add failed");
        };
        let reply = &replies[0];
        let CommandReply::Add(add) = &reply.commands[0] else {
            panic!("not an Add reply: {reply:?}");
        };
        opened.push((reply.context_id.0, add.termination_ids[0].clone()));
    }
    report("after Add", before, count);
    println!(
        "  {:.1} allocations per Add",
        (ALLOCATIONS.load(Ordering::Relaxed) - allocations) as f64 / count as f64
    );
    for (context, termination) in &opened {
        let TransactionResult::ActionReplies(_) = gateway
            .execute(3, actions(&modify(*context, termination)))
            .await
        else {
            panic!("the Modify failed");
        };
    }
    report("after Modify", before, count);
    for (context, termination) in &opened {
        let subtract = format!(
            "MEGACO/3 [127.0.0.1]:2944\nTransaction = 3 {{ Context = {context} {{ Subtract = {} }} }}",
            termination.as_str()
        );
        gateway.execute(3, actions(&subtract)).await;
    }
    report("after Subtract", before, count);
    gateway.shutdown().await;
}
