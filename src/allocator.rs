//! The global allocator of `bootstrap`: free lists of small blocks in front
//! of the system allocator (musl's).
//!
//! An invocation makes about 140 small allocations (ureq's request and
//! response values, the event as a `serde_json::Value`, the answer), and
//! musl's allocator spends about 400 instructions on each malloc/free pair:
//! a third of the runtime's per-invocation work (BENCHMARKS.md). Here a
//! block of up to 4 KiB comes from a free list of its size class (16, 32,
//! 48, … 128, then four per doubling: 160, 192, 224, 256, 320, … 4096
//! bytes) in a few instructions, and goes back onto it when freed. (That
//! takes in the transport's first buffers, a page each: from musl they
//! took a group of their own, three pages for two.)
//! Anything larger, or aligned to more than 16, goes to the system
//! allocator as before, so big events are returned to the system as ever.
//!
//! Small blocks are carved from 128 KiB chunks and never returned to the
//! system: the memory a class holds is its peak use so far. A Lambda
//! process serves one event at a time, so that peak is one invocation's.
//!
//! The state sits behind a spin lock, so the allocator is sound whatever
//! threads a handler starts; the runtime itself has one thread, and an
//! uncontended lock costs two atomic operations.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

/// Blocks up to `SMALL` bytes come in steps of 16; above it, each
/// doubling (`SMALL`..256, ..512, … ..`MAX`) is cut into four equal
/// steps, so a block wastes at most a fifth of itself, not half as powers
/// of two would (a `serde_json` map node, 632 bytes, takes 640 not 1024).
const SMALL: usize = 128;
const MAX: usize = 4096;
/// Steps of 16 up to `SMALL`, then four per doubling up to `MAX`.
const CLASSES: usize = SMALL / 16 + 4 * (MAX / SMALL).trailing_zeros() as usize;
/// Every block's alignment: the smallest step, and what chunks are aligned to.
const BLOCK_ALIGN: usize = 16;
/// What one refill takes from the system allocator, zeroed. Over musl's
/// mmap threshold (128 KiB less a header), so that its `calloc` maps fresh
/// pages, zero already, instead of clearing them: a page of the chunk costs
/// nothing until a block in it is used. And 20 bytes short of 33 pages,
/// musl's 20-byte header included: an allocation that fills its mapping
/// exactly gets no size marker written at its end, which would touch the
/// last page at once (a page fault at start-up; bench/: init page faults).
/// Blocks are cut from the start, 16-aligned; the few bytes at the end that
/// no block fits are left unused.
const CHUNK: usize = 33 * 4096 - 20;

/// Size-class free lists over the system allocator. See the module docs.
pub struct Allocator {
    locked: AtomicBool,
    state: UnsafeCell<State>,
}

struct State {
    /// Per class, the first free block; each free block holds a pointer to
    /// the next one in its first bytes.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk: `[next, end)`.
    next: *mut u8,
    end: *mut u8,
}

// SAFETY: `state` is only touched with `locked` held (see `with_state`).
unsafe impl Sync for Allocator {}

impl Allocator {
    /// An allocator with no memory yet; for `#[global_allocator]`.
    pub const fn new() -> Allocator {
        Allocator {
            locked: AtomicBool::new(false),
            state: UnsafeCell::new(State {
                free: [ptr::null_mut(); CLASSES],
                next: ptr::null_mut(),
                end: ptr::null_mut(),
            }),
        }
    }

    /// Runs `f` on the state with the lock held. `f` must not allocate
    /// through the global allocator (it would spin on its own lock); the
    /// system allocator is fine.
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut spins = 0u32;
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spins += 1;
            if spins % 64 == 0 {
                // Another thread holds it and may be descheduled.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        // SAFETY: the lock is held, so no other reference to the state exists.
        let result = f(unsafe { &mut *self.state.get() });
        self.locked.store(false, Ordering::Release);
        result
    }
}

impl Default for Allocator {
    fn default() -> Allocator {
        Allocator::new()
    }
}

/// The size class of `layout`, or `None` for the system allocator.
fn class_of(layout: Layout) -> Option<usize> {
    if layout.align() > BLOCK_ALIGN || layout.size() > MAX {
        return None;
    }
    let last = layout.size().max(1) - 1;
    if last < SMALL {
        return Some(last / 16);
    }
    // `last` is in [2^k, 2^(k+1)): its doubling, then which quarter of it.
    let k = last.ilog2() as usize;
    let quarter = (last >> (k - 2)) & 3;
    Some(SMALL / 16 + 4 * (k - SMALL.ilog2() as usize) + quarter)
}

fn class_size(class: usize) -> usize {
    if class < SMALL / 16 {
        return (class + 1) * 16;
    }
    let doubling = SMALL << ((class - SMALL / 16) / 4);
    doubling + ((class - SMALL / 16) % 4 + 1) * (doubling / 4)
}

impl State {
    /// A block of `class`, and whether it is all zero bytes (one never
    /// handed out before, from a zeroed chunk); null if the system has no
    /// memory.
    fn take(&mut self, class: usize) -> (*mut u8, bool) {
        let head = self.free[class];
        if !head.is_null() {
            // SAFETY: `head` is a free block of this class: its first bytes
            // hold the next free block, written by `give` (blocks are
            // 16-aligned and at least 16 bytes, so a pointer fits).
            self.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return (head, false);
        }
        let size = class_size(class);
        if (self.end as usize) - (self.next as usize) < size {
            // SAFETY: CHUNK is non-zero and BLOCK_ALIGN a power of two.
            let layout = unsafe { Layout::from_size_align_unchecked(CHUNK, BLOCK_ALIGN) };
            // SAFETY: a valid, non-zero layout. The rest of the old chunk
            // (under one block of this class) is left unused.
            let chunk = unsafe { System.alloc_zeroed(layout) };
            if chunk.is_null() {
                return (chunk, false);
            }
            self.next = chunk;
            // SAFETY: one past the end of the chunk just allocated.
            self.end = unsafe { chunk.add(CHUNK) };
        }
        let block = self.next;
        // SAFETY: `size` bytes fit between `next` and `end` (checked above),
        // and every class size is a multiple of 16, so blocks stay 16-aligned.
        self.next = unsafe { block.add(size) };
        (block, true)
    }

    /// # Safety
    /// `block` came from `take(class)` and is no longer used.
    unsafe fn give(&mut self, class: usize, block: *mut u8) {
        // SAFETY: the block is ours again and large and aligned enough for
        // a pointer.
        unsafe { block.cast::<*mut u8>().write(self.free[class]) };
        self.free[class] = block;
    }
}

// SAFETY: every block handed out is `class_size(class) >= layout.size()`
// bytes, 16-aligned (>= layout.align()), and never handed out twice until
// it is freed; other layouts are the system allocator's, untouched.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            Some(class) => self.with_state(|state| state.take(class)).0,
            // SAFETY: the caller's layout contract, passed on.
            None => unsafe { System.alloc(layout) },
        }
    }

    /// A block never handed out before is zero already and is not cleared
    /// again, so its pages stay untouched until used (`vec![0; n]`: the
    /// transport's first buffers).
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            Some(class) => {
                let (block, zeroed) = self.with_state(|state| state.take(class));
                if !block.is_null() && !zeroed {
                    // SAFETY: the block holds at least `layout.size()` bytes.
                    unsafe { block.write_bytes(0, layout.size()) };
                }
                block
            }
            // SAFETY: the caller's layout contract, passed on.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match class_of(layout) {
            // SAFETY: the same layout means the same class it came from.
            Some(class) => self.with_state(|state| unsafe { state.give(class, block) }),
            // SAFETY: it came from the system allocator with this layout.
            None => unsafe { System.dealloc(block, layout) },
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the
        // alignment, does not overflow isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            // Still fits its block.
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: a system block, resized by the system.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: `new_layout` is valid (above) and non-zero.
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks are valid for the smaller size and
                    // distinct (the old one is still allocated).
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size gets the smallest class that holds it, and no class
    /// wastes more than a fifth of its block (past the 16-byte steps).
    #[test]
    fn sizes_map_to_the_smallest_class_that_holds_them() {
        let class =
            |size: usize, align: usize| class_of(Layout::from_size_align(size, align).unwrap());
        let sizes: Vec<usize> = (0..CLASSES).map(class_size).collect();
        assert_eq!(sizes[..9], [16, 32, 48, 64, 80, 96, 112, 128, 160]);
        assert_eq!(sizes[CLASSES - 4..], [2560, 3072, 3584, 4096]);
        assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
        assert!(sizes.iter().all(|s| s % BLOCK_ALIGN == 0), "{sizes:?}");
        assert_eq!(class(0, 1), Some(0));
        for size in 1..=MAX {
            let c = class(size, 8).unwrap();
            assert!(class_size(c) >= size, "size {size} in class {c}");
            assert!(
                c == 0 || class_size(c - 1) < size,
                "size {size} fits class {}",
                c - 1
            );
            assert!(
                size <= 128 || class_size(c) * 4 < size * 5,
                "size {size} wastes a fifth"
            );
        }
        assert_eq!(class_size(class(632, 8).unwrap()), 640);
        assert_eq!(class(MAX + 1, 8), None);
        assert_eq!(class(6 << 20, 8), None);
        assert_eq!(class(8, 16), Some(0));
        assert_eq!(class(8, 32), None, "over-aligned goes to the system");
    }

    /// Allocates `layout` from `a`, checks its alignment and fills it with
    /// `byte`.
    fn filled(a: &Allocator, layout: Layout, byte: u8) -> *mut u8 {
        // SAFETY (all tests): layouts are non-zero; blocks are used within
        // their size and freed once with the layout they came with.
        let p = unsafe { a.alloc(layout) };
        assert!(!p.is_null());
        assert_eq!(p as usize % layout.align(), 0);
        unsafe { p.write_bytes(byte, layout.size()) };
        p
    }

    fn holds(p: *const u8, len: usize, byte: u8) -> bool {
        // SAFETY: see `filled`.
        unsafe { std::slice::from_raw_parts(p, len) }
            .iter()
            .all(|&b| b == byte)
    }

    #[test]
    fn blocks_are_distinct_keep_their_bytes_and_are_reused_once_freed() {
        let a = Allocator::new();
        let mut blocks = Vec::new();
        for (i, size) in [1usize, 16, 17, 100, 700, 4096, 4097, 9_000]
            .iter()
            .cycle()
            .take(if cfg!(miri) { 24 } else { 400 })
            .enumerate()
        {
            let layout = Layout::from_size_align(*size, 8).unwrap();
            blocks.push((filled(&a, layout, i as u8), layout, i as u8));
        }
        // Writing each block did not touch any other.
        for &(p, layout, byte) in &blocks {
            assert!(holds(p, layout.size(), byte));
        }
        // A freed small block is the next one its class hands out.
        let (p, layout, _) = blocks.pop().unwrap();
        let small = Layout::from_size_align(700, 8).unwrap();
        let (q, _, _) = blocks.iter().copied().find(|b| b.1 == small).unwrap();
        unsafe { a.dealloc(q, small) };
        assert_eq!(filled(&a, Layout::from_size_align(720, 8).unwrap(), 0), q);
        unsafe { a.dealloc(q, Layout::from_size_align(720, 8).unwrap()) };
        unsafe { a.dealloc(p, layout) };
        for (p, layout, _) in blocks.into_iter().filter(|b| b.0 != q) {
            unsafe { a.dealloc(p, layout) };
        }
    }

    #[test]
    fn a_chunk_that_is_not_a_multiple_of_its_blocks_is_never_overrun() {
        // CHUNK is not a multiple of 16: the last block that fits ends
        // before it, and the next comes from a new chunk (miri checks every
        // byte written against the chunk's bounds).
        let a = Allocator::new();
        let layout = Layout::from_size_align(MAX, 16).unwrap();
        let blocks: Vec<*mut u8> = (0..CHUNK / MAX + 2)
            .map(|i| filled(&a, layout, i as u8))
            .collect();
        for (i, &p) in blocks.iter().enumerate() {
            assert!(holds(p, MAX, i as u8));
        }
        for p in blocks {
            unsafe { a.dealloc(p, layout) };
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_whether_fresh_or_reused() {
        let a = Allocator::new();
        let layout = Layout::from_size_align(700, 8).unwrap();
        // Fresh from a chunk: zero without being cleared.
        let p = unsafe { a.alloc_zeroed(layout) };
        assert!(holds(p, 700, 0));
        unsafe { p.write_bytes(0xaa, 700) };
        unsafe { a.dealloc(p, layout) };
        // Reused from the free list: cleared.
        let q = unsafe { a.alloc_zeroed(layout) };
        assert_eq!(q, p);
        assert!(holds(q, 700, 0));
        unsafe { a.dealloc(q, layout) };
        // Past the classes: the system's.
        let big = Layout::from_size_align(9000, 8).unwrap();
        let r = unsafe { a.alloc_zeroed(big) };
        assert!(holds(r, 9000, 0));
        unsafe { a.dealloc(r, big) };
    }

    #[test]
    fn realloc_keeps_the_bytes_across_classes_and_to_the_system() {
        let a = Allocator::new();
        let mut layout = Layout::from_size_align(3, 4).unwrap();
        let mut p = filled(&a, layout, 0x5a);
        // Grow through every class and past them, then shrink back.
        for size in [10, 16, 33, 1000, 4096, 5000, 9000, 2000, 40, 3] {
            let kept = layout.size().min(size);
            p = unsafe { a.realloc(p, layout, size) };
            assert!(!p.is_null());
            assert!(holds(p, kept, 0x5a), "after realloc to {size}");
            layout = Layout::from_size_align(size, 4).unwrap();
            unsafe { p.write_bytes(0x5a, size) };
        }
        unsafe { a.dealloc(p, layout) };
    }

    #[test]
    fn threads_never_get_the_same_block() {
        static SHARED: Allocator = Allocator::new();
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                std::thread::spawn(move || {
                    // Fewer under miri, which checks every access.
                    let rounds = if cfg!(miri) { 10 } else { 2_000usize };
                    for round in 0..rounds {
                        let size = 1 + (round * 37 + usize::from(t) * 101) % 3000;
                        let layout = Layout::from_size_align(size, 8).unwrap();
                        let p = filled(&SHARED, layout, t);
                        std::thread::yield_now();
                        assert!(holds(p, size, t), "another thread wrote into this block");
                        unsafe { SHARED.dealloc(p, layout) };
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}
