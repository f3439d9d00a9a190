use super::*;
use std::vec::Vec;

fn shape(log_n: u32, lanes: u32, batch: u64, desc: bool, mem_latency: u64) -> JobShape {
    JobShape {
        log_n,
        lanes,
        batch,
        desc,
        mem_latency,
    }
}

/// The RTL's schedule slot by slot, as the module docs state it: the
/// reference the closed form of [`job_cycles`] must equal.
fn slot_by_slot(s: JobShape) -> u64 {
    let (t_load, t_comp, t_store) = (s.load_cycles(), s.compute_cycles(), s.store_cycles());
    let mut total = s.start_cycles() + t_load + 1;
    for j in 1..=s.batch {
        let mut slot = t_comp;
        if j < s.batch {
            slot = slot.max(t_load);
        }
        if j >= 2 {
            slot = slot.max(t_store);
        }
        total += slot + 1;
    }
    total + t_store
}

/// Computed at compile time.
const ONE_NTT_4096_L16: JobCycles = job_cycles(JobShape {
    log_n: 12,
    lanes: 16,
    batch: 1,
    desc: false,
    mem_latency: 2,
});

#[test]
fn small_job_by_hand() {
    // N = 16, L = 1, M = 2: R = 16, C = 8 (< 16: bubble 7),
    // T_comp = 4·8 + 3·7 + 10 = 63, T_load = 32 + 2 + 2 = 36, T_store = 24.
    let s = shape(4, 1, 1, false, 2);
    assert_eq!(
        (s.compute_cycles(), s.load_cycles(), s.store_cycles()),
        (63, 36, 24)
    );
    assert_eq!(job_cycles(s).total, 3 + (36 + 1) + (63 + 1) + 24);
    assert_eq!(job_cycles(s).busy, 4 * 8);
    // Descriptor mode, 3 limbs: DB = 8, T_load = 32 + 4 + 8 + 3 = 47 > T_comp,
    // S = 3 + 3·(6 + 8 + 2); slots: 47, max(63, 47, 24) = 63, max(63, 24).
    let d = shape(4, 1, 3, true, 2);
    assert_eq!(d.descriptor_beats(), 8);
    assert_eq!(d.load_cycles(), 47);
    assert_eq!(
        job_cycles(d).total,
        (3 + 3 * 16) + (47 + 1) + (63 + 1) + (63 + 1) + (63 + 1) + 24
    );
}

/// Measured on the Verilated RTL (`cargo xtask rtl cycles`, WORD_BITS = 32,
/// memory read latency 2; the table in `fpga/README.md`): `(k, L, ideal, one
/// NTT, CYCLES(8 limbs) − CYCLES(7 limbs))`.
const RTL_MEASURED: [(u32, u32, u64, u64, u64); 15] = [
    (12, 1, 24576, 36891, 24587),
    (12, 2, 12288, 18459, 12299),
    (12, 4, 6144, 9243, 6155),
    (12, 8, 3072, 4635, 3083),
    (12, 16, 1536, 2331, 1547),
    (13, 1, 53248, 77851, 53259),
    (13, 2, 26624, 38939, 26635),
    (13, 4, 13312, 19483, 13323),
    (13, 8, 6656, 9755, 6667),
    (13, 16, 3328, 4891, 3339),
    (14, 1, 114688, 163867, 114699),
    (14, 2, 57344, 81947, 57355),
    (14, 4, 28672, 40987, 28683),
    (14, 8, 14336, 20507, 14347),
    (14, 16, 7168, 10267, 7179),
];

#[test]
fn matches_the_rtl_measurements() {
    for (k, l, ideal, one, per_limb) in RTL_MEASURED {
        assert_eq!(ideal_cycles(k, l), ideal, "ideal N=2^{k} L={l}");
        assert_eq!(
            job_cycles(shape(k, l, 1, false, 2)).total,
            one,
            "N=2^{k} L={l}"
        );
        let eight = job_cycles(shape(k, l, 8, false, 2));
        let seven = job_cycles(shape(k, l, 7, false, 2));
        assert_eq!(eight.total - seven.total, per_limb, "N=2^{k} L={l}");
        // The butterflies fire k·N/(2L) cycles a limb: the ideal, exactly.
        assert_eq!(eight.busy, 8 * ideal);
    }
    assert_eq!(ONE_NTT_4096_L16.total, 2331);
}

#[test]
fn refusals_match_the_rtl() {
    // `fpga/tb/tests/rtl_errors.rs`: L = 4, M = 2, 3 descriptors; the RTL
    // counts 1 (BAD_LOG_N), 2 (register-mode BAD_MODULUS) and 12, 22, 32 for
    // a bad descriptor at limb 0, 1, 2.
    let s = shape(6, 4, 3, true, 2);
    assert_eq!(refused_cycles(s, Refusal::JobWide), 1);
    assert_eq!(refused_cycles(s, Refusal::Start), 2);
    let prepass: Vec<u64> = (0..3)
        .map(|limb| refused_cycles(s, Refusal::Prepass { limb }))
        .collect();
    assert_eq!(prepass, [12, 22, 32]);
}

#[test]
fn closed_form_equals_the_slot_schedule() {
    let mut checked = 0;
    for log_n in 1..=17 {
        for lanes in [1, 2, 4, 8, 16, 32] {
            for batch in [0, 1, 2, 3, 4, 8, 17, 1024] {
                for desc in [false, true] {
                    for m in [1, 2, 5, 40] {
                        let s = shape(log_n, lanes, batch, desc, m);
                        assert_eq!(job_cycles(s).total, slot_by_slot(s), "{s:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 17 * 6 * 8 * 2 * 4);
}

#[test]
fn a_long_batch_costs_k_c_plus_11_a_limb() {
    // Stages of C >= 16 cycles (no bubble), k >= 5: the transform is the
    // longest part of every middle slot.
    for log_n in 5..=14 {
        for lanes in [1, 2, 4, 8, 16]
            .into_iter()
            .filter(|l| 32 * l <= 1 << log_n)
        {
            let s = shape(log_n, lanes, 100, false, 2);
            let more = shape(log_n, lanes, 101, false, 2);
            let per_limb = job_cycles(more).total - job_cycles(s).total;
            assert_eq!(per_limb, u64::from(log_n) * s.stage_cycles() + 11, "{s:?}");
        }
    }
}

#[test]
fn shapes_no_device_accepts_saturate() {
    let huge = shape(12, 4, u64::MAX, true, u64::MAX);
    assert_eq!(job_cycles(huge).total, u64::MAX);
    assert_eq!(job_cycles(huge).busy, u64::MAX);
    assert_eq!(
        refused_cycles(huge, Refusal::Prepass { limb: u64::MAX }),
        u64::MAX
    );
    let wide = shape(200, 1, 1, false, 2);
    assert_eq!(wide.degree(), u64::MAX);
    assert_eq!(job_cycles(wide).total, u64::MAX);
    assert_eq!(ideal_cycles(64, 1), u64::MAX / 2);
    // Zero lanes count as one.
    assert_eq!(
        job_cycles(shape(10, 0, 3, true, 2)),
        job_cycles(shape(10, 1, 3, true, 2))
    );
    assert_eq!(ideal_cycles(10, 0), ideal_cycles(10, 1));
}
