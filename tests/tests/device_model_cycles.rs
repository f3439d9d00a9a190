//! The device model predicts the RTL's cycle counts.
//!
//! `hearth_rtl::cycles` is the RTL's cycle formula, which the RTL tests
//! (`fpga/tb/tests/rtl_ntt.rs`, `rtl_errors.rs`) check exactly against the
//! `CYCLES` and `BUSY_CYCLES` counters of the Verilated pipeline. Here the
//! simulator's device model (`hearth_device::cycles`) must give the same
//! numbers for every job shape the pipeline accepts.

use hearth_device::cycles as sim;
use hearth_rtl::cycles as rtl;

fn shapes() -> impl Iterator<Item = (u32, u32, u64, bool, u64)> {
    (4..=14u32).flat_map(|log_n| {
        [1u32, 2, 4, 8, 16].into_iter().flat_map(move |lanes| {
            [1u64, 2, 3, 8, 17].into_iter().flat_map(move |batch| {
                [false, true].into_iter().flat_map(move |desc| {
                    [1u64, 2, 5]
                        .into_iter()
                        .map(move |m| (log_n, lanes, batch, desc, m))
                })
            })
        })
    })
}

#[test]
fn completed_jobs_match_the_rtl_formula() {
    let mut checked = 0;
    for (log_n, lanes, batch, desc, mem_latency) in shapes() {
        let s = sim::job_cycles(sim::JobShape {
            log_n,
            lanes,
            batch,
            desc,
            mem_latency,
        });
        let r = rtl::JobShape {
            log_n,
            lanes,
            batch,
            desc,
            mem_latency,
        };
        assert_eq!(s.total, rtl::job_cycles(r), "CYCLES for {r:?}");
        assert_eq!(
            s.busy,
            rtl::busy_cycles(log_n, lanes, batch),
            "BUSY for {r:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 11 * 5 * 5 * 2 * 3);
}

#[test]
fn prepass_refusals_match_the_rtl_formula() {
    for lanes in [1u32, 2, 4, 8, 16] {
        for m in [1u64, 2, 5] {
            for limb in 0..6u64 {
                let shape = sim::JobShape {
                    log_n: 10,
                    lanes,
                    batch: 6,
                    desc: true,
                    mem_latency: m,
                };
                assert_eq!(
                    sim::prepass_refused_cycles(shape, limb),
                    rtl::prepass_refused_cycles(lanes, m, limb),
                    "lanes {lanes}, latency {m}, limb {limb}"
                );
            }
        }
    }
}
