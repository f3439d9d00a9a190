//! Seed inputs for every target, made by the code they exercise
//! (`cargo xtask fuzz --write-seeds` writes them to `fuzz/seeds/<target>/`).

use hearth_hal::pmem::{Header, RecordKind, Store, Superblock};
use hearth_kernels::arith::Word;
use hearth_kernels::ckks::serialize::Randomness;
use hearth_kernels::ckks::{Encryptor, GaloisKeys, PublicKey, RelinKey};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::kernels::{fixture32, fixture64, Fixture, KeyKind};
use crate::store::{payload, VecMem, CAP, STORE_ID};

/// A seed: target, file name, bytes.
pub type Seed = (&'static str, String, Vec<u8>);

fn ciphertexts<W: Word>(f: &Fixture<W>, tag: &str, out: &mut Vec<Seed>) {
    let mut rng = ChaCha20Rng::from_seed([21; 32]);
    // The compact (seeded, secret-key) uploads draw from their own stream.
    let mut compact_rng = ChaCha20Rng::from_seed([23; 32]);
    let mut e = SoftwareNtt;
    let pk = PublicKey::generate(&f.ctx, &mut e, &f.sk, &mut rng).expect("pk");
    let enc = Encryptor::new(&f.ctx);
    for level in 0..=f.ctx.max_level() {
        let pt = enc
            .encode_real(&mut e, &[0.5, -1.0, 0.125], f.ctx.params().scale(), level)
            .expect("encode");
        let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).expect("encrypt");
        for r in [Randomness::Fresh, Randomness::Seeded] {
            out.push((
                "kernels_ciphertext",
                format!("{tag}-level{level}-{r:?}").to_lowercase(),
                ct.to_le_bytes_with(&f.ctx, r),
            ));
        }
        let compact = enc
            .encrypt_sk_seeded(&mut e, &f.sk, &pt, &mut compact_rng)
            .expect("encrypt seeded");
        out.push((
            "kernels_ciphertext",
            format!("{tag}-level{level}-compact"),
            compact.to_le_bytes(&f.ctx),
        ));
    }
}

fn keyed(kind: KeyKind, body: Vec<u8>) -> Vec<u8> {
    let mut v = vec![kind as u8];
    v.extend(body);
    v
}

/// Every seed.
pub fn all() -> Vec<Seed> {
    let mut out = Vec::new();
    ciphertexts(fixture64(), "u64", &mut out);
    ciphertexts(fixture32(), "u32", &mut out);

    let f = fixture64();
    let mut rng = ChaCha20Rng::from_seed([22; 32]);
    let mut e = SoftwareNtt;
    let pk = PublicKey::generate(&f.ctx, &mut e, &f.sk, &mut rng).expect("pk");
    let rk = RelinKey::generate(&f.ctx, &mut e, &f.sk, &mut rng).expect("rk");
    let gk = GaloisKeys::generate(&f.ctx, &mut e, &f.sk, &[5, 31], &mut rng).expect("gk");
    let ser = |v: Result<Vec<u8>, postcard::Error>| v.expect("serialize");
    out.push((
        "kernels_keys",
        "secret".into(),
        keyed(KeyKind::Secret, ser(postcard::to_allocvec(&f.sk))),
    ));
    out.push((
        "kernels_keys",
        "public".into(),
        keyed(KeyKind::Public, ser(postcard::to_allocvec(&pk))),
    ));
    out.push((
        "kernels_keys",
        "relin".into(),
        keyed(KeyKind::Relin, ser(postcard::to_allocvec(&rk))),
    ));
    out.push((
        "kernels_keys",
        "galois".into(),
        keyed(KeyKind::Galois, ser(postcard::to_allocvec(&gk))),
    ));

    let enc = Encryptor::new(&f.ctx);
    for (level, scale) in [(1, f.ctx.params().scale()), (0, 2f64.powi(50))] {
        let pt = enc
            .encode_real(&mut e, &[1.0, -0.5], scale, level)
            .expect("encode");
        out.push((
            "kernels_plaintext",
            format!("level{level}"),
            ser(postcard::to_allocvec(&pt)),
        ));
    }

    // Store histories (ops mode: first byte odd) and images (raw mode).
    let ops: &[(&str, Vec<u8>)] = &[
        ("ops-puts", vec![1, 1, 20, 2, 33, 1, 12, 3, 0, 0x82, 4, 64]),
        (
            "ops-damaged",
            vec![1, 1, 20, 2, 33, 3, 5, 0x7f, 0x50, 0, 0x10, 0x90, 0, 0x01],
        ),
        (
            "ops-many",
            core::iter::once(1)
                .chain((0..60u8).flat_map(|i| [i % 8, i * 3]))
                .collect(),
        ),
    ];
    for (name, v) in ops {
        out.push(("hal_store_recover", (*name).into(), v.clone()));
        out.push(("hal_store_compact", (*name).into(), v.clone()));
    }
    let mut s = Store::<VecMem, CAP>::format(VecMem(vec![0; 1024]), STORE_ID).expect("format");
    for (k, len) in [(1u64, 20usize), (2, 33), (1, 12), (3, 0)] {
        s.put(k, RecordKind::Ciphertext, &payload(k, 1, len))
            .expect("put");
    }
    s.remove(2).expect("remove");
    let image = s.into_inner().0;
    let mut raw = vec![0u8];
    raw.extend_from_slice(&image[64..]);
    let mut whole = vec![2u8];
    whole.extend_from_slice(&image);
    for (name, v) in [("raw-records", raw), ("raw-image", whole)] {
        out.push(("hal_store_recover", name.into(), v.clone()));
        out.push(("hal_store_compact", name.into(), v));
    }

    let h = Header {
        kind: RecordKind::Tensor.code(),
        flags: 0,
        key: 0x1234,
        seq: 7,
        len: 100,
        payload_crc: 0xdead_beef,
    };
    out.push(("hal_record_layout", "header".into(), h.encode().to_vec()));
    let sb = Superblock {
        store_id: STORE_ID,
        capacity: 1 << 20,
    };
    out.push((
        "hal_record_layout",
        "superblock".into(),
        sb.encode().to_vec(),
    ));
    crate::host_seeds::all(&mut out);
    out
}
