//! The soft-core's run-time services: heap, exit, traps, panics, counters,
//! and stack painting.
//!
//! - The heap is `embedded-alloc`'s linked-list allocator over riscv-rt's
//!   `.heap` region, wrapped to record the bytes in use and their peak.
//! - The stack is painted with [`PAINT`] from its lowest address up to the
//!   current stack pointer; after a workload, the lowest word that no longer
//!   holds the paint is the deepest the stack went.
//! - `minstret` and `mcycle` are read in machine mode; under
//!   `qemu -icount shift=0` they count retired instructions exactly.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use defmt_semihosting as _;
use embedded_alloc::LlffHeap;

/// Exit status when a check failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit status after a trap (exception or unexpected interrupt).
pub const EXIT_TRAP: i32 = 3;
/// Exit status after a panic.
pub const EXIT_PANIC: i32 = 101;

/// The word painted over the free stack.
const PAINT: u32 = 0xA5A5_5A5A;

extern "C" {
    static __sheap: u8;
    static __eheap: u8;
    static __estack: u8;
    static __sstack: u8;
    static __sdata: u8;
    static __ebss: u8;
    static __stext: u8;
    static __etext: u8;
    static __srodata: u8;
    static __erodata: u8;
}

fn addr(sym: &u8) -> usize {
    sym as *const u8 as usize
}

/// Bytes of `.data` + `.bss` (static RAM).
pub fn static_ram() -> usize {
    // SAFETY: linker symbols; only their addresses are taken.
    unsafe { addr(&__ebss) - addr(&__sdata) }
}

/// Bytes of `.text` (code) and `.rodata` (constants), both in flash.
pub fn image_sizes() -> (usize, usize) {
    // SAFETY: linker symbols; only their addresses are taken.
    unsafe {
        (
            addr(&__etext) - addr(&__stext),
            addr(&__erodata) - addr(&__srodata),
        )
    }
}

/// Starts an image: the heap, then a banner naming `image` with the RAM
/// layout, and the report's `image` line (code and constant sizes).
pub fn start(image: &str) {
    init_heap();
    defmt::info!(
        "hearth firmware ({=str}): static RAM {=usize} B, heap {=usize} B, stack {=usize} B",
        image,
        static_ram(),
        heap_size(),
        stack_region()
    );
    let (text, rodata) = image_sizes();
    defmt::println!(
        "image text={=usize} rodata={=usize} static={=usize}",
        text,
        rodata,
        static_ram()
    );
}

/// Bytes of the stack region.
pub fn stack_region() -> usize {
    // SAFETY: linker symbols; only their addresses are taken.
    unsafe { addr(&__sstack) - addr(&__estack) }
}

/// The heap allocator that records its peak use, and how far into the heap
/// region its blocks reached (which includes the allocator's rounding and
/// fragmentation).
pub struct CountingHeap {
    heap: LlffHeap,
    used: AtomicUsize,
    peak: AtomicUsize,
    start: AtomicUsize,
    extent: AtomicUsize,
}

// SAFETY: forwards to `LlffHeap`, which is a valid allocator; the counters
// only observe.
unsafe impl GlobalAlloc for CountingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { self.heap.alloc(layout) };
        if !p.is_null() {
            let now = self.used.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            self.peak.fetch_max(now, Ordering::Relaxed);
            let end =
                (p as usize + layout.size()).saturating_sub(self.start.load(Ordering::Relaxed));
            self.extent.fetch_max(end, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.used.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static HEAP: CountingHeap = CountingHeap {
    heap: LlffHeap::empty(),
    used: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
    start: AtomicUsize::new(0),
    extent: AtomicUsize::new(0),
};

/// Gives the heap its region; call once, first thing in `main`.
pub fn init_heap() {
    // SAFETY: linker symbols; only their addresses are taken, and the region
    // between them is reserved for the heap by riscv-rt's linker script.
    unsafe {
        let start = addr(&__sheap);
        HEAP.start.store(start, Ordering::Relaxed);
        HEAP.heap.init(start, addr(&__eheap) - start);
    }
}

/// Bytes of heap the allocator manages.
pub fn heap_size() -> usize {
    // SAFETY: linker symbols; only their addresses are taken.
    unsafe { addr(&__eheap) - addr(&__sheap) }
}

/// Starts a heap measurement: the peak restarts from the bytes in use now,
/// the extent from zero.
pub fn heap_reset_peak() -> usize {
    let used = HEAP.used.load(Ordering::Relaxed);
    HEAP.peak.store(used, Ordering::Relaxed);
    HEAP.extent.store(0, Ordering::Relaxed);
    used
}

/// The highest end, from the start of the heap region, of a block allocated
/// since [`heap_reset_peak`]: with nothing live before the measurement, the
/// heap memory a workload really occupied (allocator rounding and
/// fragmentation included).
pub fn heap_extent() -> usize {
    HEAP.extent.load(Ordering::Relaxed)
}

/// The peak heap use since [`heap_reset_peak`].
pub fn heap_peak() -> usize {
    HEAP.peak.load(Ordering::Relaxed)
}

#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register, no side effect.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
    sp
}

/// Paints the free stack below the current stack pointer.
#[inline(never)]
pub fn paint_stack() {
    // SAFETY: linker symbol; only its address is taken.
    let bottom = unsafe { addr(&__estack) };
    // Leave room for this function's own frame below `sp`.
    let top = (stack_pointer() - 64) & !3;
    let mut p = bottom;
    while p < top {
        // SAFETY: [bottom, top) is stack memory below the live frames, so
        // nothing else uses it; it is 4-byte aligned.
        unsafe { (p as *mut u32).write_volatile(PAINT) };
        p += 4;
    }
}

/// The deepest stack use since [`paint_stack`], in bytes from the stack top.
#[inline(never)]
pub fn stack_peak() -> usize {
    // SAFETY: linker symbols; only their addresses are taken.
    let (bottom, top) = unsafe { (addr(&__estack), addr(&__sstack)) };
    let mut p = bottom;
    // SAFETY: reads stack memory in [bottom, top), aligned.
    while p < top && unsafe { (p as *const u32).read_volatile() } == PAINT {
        p += 4;
    }
    top - p
}

/// Instructions retired (`minstret`).
pub fn instret() -> u64 {
    riscv::register::minstret::read64()
}

/// Cycles (`mcycle`).
pub fn cycles() -> u64 {
    riscv::register::mcycle::read64()
}

/// Ends the run with `code` as qemu's exit status.
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

#[export_name = "ExceptionHandler"]
fn exception_handler(frame: &riscv_rt::TrapFrame) -> ! {
    let mcause = riscv::register::mcause::read().bits();
    let mepc = riscv::register::mepc::read();
    let mtval = riscv::register::mtval::read();
    defmt::error!(
        "trap: mcause={=usize:#x} mepc={=usize:#x} mtval={=usize:#x} ra={=usize:#x}",
        mcause,
        mepc,
        mtval,
        frame.ra
    );
    exit(EXIT_TRAP)
}

#[export_name = "DefaultHandler"]
fn default_handler() {
    let mcause = riscv::register::mcause::read().bits();
    defmt::error!("unexpected interrupt: mcause={=usize:#x}", mcause);
    exit(EXIT_TRAP)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    exit(EXIT_PANIC)
}
