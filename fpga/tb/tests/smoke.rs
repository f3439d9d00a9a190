//! Smoke test: one limb through raw registers.
#![cfg(feature = "rtl")]
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::Rtl;

fn run(w: u32, l: u32, log_n: u32, inverse: bool, bits: u32) {
    let n = 1usize << log_n;
    let q = NttPrimes::new(bits, n).unwrap().next().unwrap();
    let plan = OwnedNttPlan::<u64>::new(q, n).unwrap();
    let mut rtl = Rtl::new(w, l).unwrap();
    let tw: Vec<u64> = plan
        .forward_twiddles()
        .iter()
        .chain(plan.inverse_twiddles())
        .copied()
        .collect();
    let mut s = 12345u64;
    let input: Vec<u64> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) % q
        })
        .collect();
    rtl.mem_write(0x1000, &tw).unwrap();
    rtl.mem_write(0x10000, &input).unwrap();
    let m = plan.modulus();
    rtl.write_reg(0x40, log_n | ((inverse as u32) << 8));
    rtl.write_reg(0x44, 1);
    rtl.write_reg(0x48, n as u32);
    rtl.write_reg(0x4c, 0x10000);
    rtl.write_reg(0x50, 0x20000);
    rtl.write_reg(0x54, 0x1000);
    rtl.write_reg(0x60, q as u32);
    rtl.write_reg(0x64, (q >> 32) as u32);
    let mu = m.barrett_wide_constant();
    rtl.write_reg(0x68, mu as u32);
    rtl.write_reg(0x6c, (mu >> 32) as u32);
    rtl.write_reg(0x70, m.bits());
    let ni = plan.degree_inv().value;
    rtl.write_reg(0x74, ni as u32);
    rtl.write_reg(0x78, (ni >> 32) as u32);
    rtl.write_reg(0x20, 1);
    let mut st;
    loop {
        st = rtl.read_reg(0x24);
        if st & 1 == 0 {
            break;
        }
        rtl.tick(100);
    }
    let cycles = rtl.read_reg(0x80);
    assert_eq!(st & 0b110, 0b010, "status {st:#x}");
    let mut out = vec![0u64; n];
    rtl.mem_read(0x20000, &mut out).unwrap();
    let mut expect = input.clone();
    if inverse {
        plan.inverse(&mut expect).unwrap()
    } else {
        plan.forward(&mut expect).unwrap()
    }
    eprintln!("w{w} l{l} n{n} inv{inverse}: {cycles} cycles");
    assert_eq!(out, expect);
}

#[test]
fn smoke() {
    for &(w, l) in &[(32u32, 1u32), (32, 4), (64, 8), (32, 16)] {
        let bits = if w == 32 { 30 } else { 62 };
        for log_n in [4u32, 5, 6, 10] {
            run(w, l, log_n, false, bits);
            run(w, l, log_n, true, bits);
        }
    }
}
