//! splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014): a tiny, fast, reproducible generator for
//! choices that are seeded but not secret — fault injection, generated test
//! weights, schedules. Pure integer arithmetic, so identical on every target.
//! Never for keys or noise (those go through `rand_core` with ChaCha).

/// One step of splitmix64 (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014): advances `state` and
/// returns the next 64-bit output. For cheap, reproducible choices (fault
/// injection, generated weights, test schedules), not for anything secret.
#[inline]
#[must_use]
pub const fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    /// The first outputs from state 0 of the reference implementation
    /// (Vigna's `splitmix64.c`).
    #[test]
    fn known_answers() {
        let mut s = 0;
        let got = [(); 3].map(|()| super::splitmix64(&mut s));
        assert_eq!(
            got,
            [
                0xe220_a839_7b1d_cdaf,
                0x6e78_9e6a_a1b9_65f4,
                0x06c4_5d18_8009_454f
            ]
        );
    }
}
