//! Unmasking throughput: the block-at-a-time `apply_mask` against the RFC's byte-at-a-time
//! formula and against a plain `copy_from_slice` of the same 1 MiB, all in one run, so the
//! ratio to memory-copy speed can be quoted without comparing across machines.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use frame::mask::{apply_mask, apply_mask_bytewise};
use std::hint::black_box;

fn unmask(c: &mut Criterion) {
    let size = 1024 * 1024;
    let source: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let mut buffer = vec![0u8; size];
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut group = c.benchmark_group("1 MiB payload");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function("copy_from_slice (reference)", |b| {
        b.iter(|| buffer.copy_from_slice(black_box(&source)))
    });
    group.bench_function("apply_mask (64-byte blocks)", |b| {
        b.iter(|| apply_mask(black_box(&mut buffer), key, 0))
    });
    group.bench_function("apply_mask_bytewise (RFC formula)", |b| {
        b.iter(|| apply_mask_bytewise(black_box(&mut buffer), key, 0))
    });
    group.finish();
}

criterion_group!(benches, unmask);
criterion_main!(benches);
