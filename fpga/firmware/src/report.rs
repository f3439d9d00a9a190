//! The firmware's report lines, decoded by `defmt-print` and parsed by
//! `cargo xtask firmware`:
//!
//! ```text
//! result <kind> <name> <pass|fail> <sha256-hex>
//! measure <name> instret=<n> cycles=<n> heap_base=<bytes> heap_peak=<bytes> heap_extent=<bytes> stack_peak=<bytes> static=<bytes>
//! image text=<bytes> rodata=<bytes> static=<bytes>
//! done <passed> <failed>
//! ```
//!
//! [`Tally::record`] prints a `result` line and counts it, [`measure`] a
//! `measure` line around a workload; the `image` and `done` lines are
//! printed by the entry points (`workloads.rs` of the main image,
//! `bin/boot.rs` of the bootstrap image, which includes this module).

use crate::soc;
use hearth_firmware::digest::hex_str;

/// Counts of passed and failed checks.
#[derive(Default)]
pub(crate) struct Tally {
    /// Checks that passed.
    pub(crate) passed: u32,
    /// Checks that failed.
    pub(crate) failed: u32,
}

impl Tally {
    pub(crate) fn record(&mut self, kind: &str, name: &str, ok: bool, digest: &[u8; 32]) {
        let mut buf = [0u8; 64];
        let verdict = if ok { "pass" } else { "fail" };
        defmt::println!(
            "result {=str} {=str} {=str} {=str}",
            kind,
            name,
            verdict,
            hex_str(digest, &mut buf)
        );
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// A workload's cost, measured around `f`.
pub(crate) fn measure<T>(name: &str, f: impl FnOnce() -> T) -> T {
    soc::paint_stack();
    let heap_base = soc::heap_reset_peak();
    let (i0, c0) = (soc::instret(), soc::cycles());
    let out = f();
    let (i1, c1) = (soc::instret(), soc::cycles());
    defmt::println!(
        "measure {=str} instret={=u64} cycles={=u64} heap_base={=usize} heap_peak={=usize} heap_extent={=usize} stack_peak={=usize} static={=usize}",
        name,
        i1 - i0,
        c1 - c0,
        heap_base,
        soc::heap_peak(),
        soc::heap_extent(),
        soc::stack_peak(),
        soc::static_ram()
    );
    out
}
