//! Criterion benchmarks of the text codec: single-thread decode and encode
//! of a whole corpus per iteration, reported per message (elements) and as
//! bytes per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use h248_benches::text_sample;
use h248_stack::text::{self, Style};

fn text_codec(c: &mut Criterion) {
    for (style, name) in [(Style::Pretty, "pretty"), (Style::Compact, "compact")] {
        let (sample, origin) = text_sample(style);
        assert!(
            !sample.wire.is_empty(),
            "no {name} messages to benchmark in {origin}"
        );
        eprintln!(
            "{name}: {} messages, {} bytes from {origin}",
            sample.wire.len(),
            sample.bytes()
        );

        let mut group = c.benchmark_group(format!("text_{name}"));
        group.throughput(Throughput::Elements(sample.wire.len() as u64));
        group.bench_function("decode", |b| {
            b.iter(|| {
                for wire in &sample.wire {
                    std::hint::black_box(text::decode(std::hint::black_box(wire)).ok());
                }
            })
        });
        let mut out = Vec::with_capacity(64 * 1024);
        group.bench_function("encode", |b| {
            b.iter(|| {
                for model in &sample.models {
                    out.clear();
                    let _ = text::encode(std::hint::black_box(model), style, &mut out);
                    std::hint::black_box(&out);
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, text_codec);
criterion_main!(benches);
