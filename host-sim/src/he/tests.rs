//! Unit tests of the HE building blocks against plaintext arithmetic.

use super::engine::{Counting, Lend};
use super::params::Selection;
use super::session::Session;
use hearth_kernels::ckks::{CkksParams, Evaluator};
use hearth_kernels::ntt::SoftwareNtt;

fn session() -> (Session, Counting<SoftwareNtt>) {
    let params =
        CkksParams::insecure_for_tests(10, &[50, 39, 39, 39], &[50], 2f64.powi(39), 4).unwrap();
    let sel = Selection {
        params,
        scale_bits: 39,
        headroom_bits: 11,
        depth: 3,
    };
    let mut e = Counting::new(SoftwareNtt);
    let s = Session::new(sel, Some(5), &[1, 2], &mut e).unwrap();
    (s, e)
}

#[test]
fn encrypt_decrypt_round_trip() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let d = s.decrypt(&mut e, &ct).unwrap();
    for (a, b) in v.iter().zip(&d) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn mul_const_rescale_and_square() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let (y, sq) = {
        let mut ev = Evaluator::new(&s.ctx, Lend(&mut e));
        let q = s.ctx.ring().modulus(ct.level()).value() as f64;
        let y = ev.mul_const(&ct, 0.5, q).unwrap();
        let y = super::rescale::rescale(ev.context(), ev.engine(), &y).unwrap();
        let sq = ev.square_relin(&ct, s.relin().unwrap()).unwrap();
        let sq = super::rescale::rescale(ev.context(), ev.engine(), &sq).unwrap();
        (y, sq)
    };
    let d = s.decrypt(&mut e, &y).unwrap();
    let d2 = s.decrypt(&mut e, &sq).unwrap();
    for i in 0..3 {
        assert!(
            (d[i] - 0.5 * v[i]).abs() < 1e-5,
            "{} vs {}",
            d[i],
            0.5 * v[i]
        );
        assert!(
            (d2[i] - v[i] * v[i]).abs() < 1e-4,
            "{} vs {}",
            d2[i],
            v[i] * v[i]
        );
    }
}

#[test]
fn drop_level_decrypts() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let y = Evaluator::new(&s.ctx, Lend(&mut e))
        .drop_to_level(&ct, 0)
        .unwrap();
    let d = s.decrypt(&mut e, &y).unwrap();
    assert!((d[0] - 1.5).abs() < 1e-6, "{:?}", &d[..3]);
}
