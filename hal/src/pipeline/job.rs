//! One job on the device: twiddles, descriptors or modulus registers,
//! inputs, start, wait, outputs.

use super::{Direction, DriverError, Error, Pipeline, SlotKey, WaitMode};
use crate::bus::{DeviceMemory, RegisterBus};
use crate::regmap::{self, descriptor, irq_status, job_cfg, status, ErrorCode};
use embedded_hal::delay::DelayNs;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::NttPlan;

/// Low and high 32-bit halves of a word.
fn halves<W: Word>(w: W) -> (u32, u32) {
    let v = w.to_u64();
    (v as u32, (v >> 32) as u32)
}

impl<B: RegisterBus, M: DeviceMemory, D: DelayNs> Pipeline<B, M, D> {
    /// Runs one job of `plans.len()` limbs (already checked to fit).
    /// `first_limb` is the job's offset in the caller's batch (for errors).
    pub(super) fn run_job<W: Word, S: AsRef<[W]>>(
        &mut self,
        dir: Direction,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
        first_limb: usize,
    ) -> Result<(), DriverError<B, M>> {
        let n = limbs.len() / plans.len().max(1);
        let log_n = n.trailing_zeros();
        let Some(first) = plans.first() else {
            return Ok(());
        };
        let q0 = first.modulus().value();
        let register_mode = plans.iter().all(|p| p.modulus().value() == q0);
        let mut pinned: heapless::Vec<usize, { super::MAX_TWIDDLE_SLOTS }> = heapless::Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let slot = self.ensure_twiddles(plan, &pinned)?;
            if !pinned.contains(&slot) {
                // Cannot overflow: a job has at most `slots` distinct primes.
                let _ = pinned.push(slot);
            }
            if !register_mode {
                let tw = self.layout.slot_addr(slot as u32);
                let d = self.layout.desc_addr + i as u32 * descriptor::WORDS;
                let m = plan.modulus();
                let desc = [
                    m.value(),
                    m.barrett_wide_constant(),
                    W::from_u64_truncating(u64::from(m.bits())),
                    plan.degree_inv().value,
                    W::from_u64_truncating(u64::from(tw)),
                    W::ZERO,
                    W::ZERO,
                    W::ZERO,
                ];
                self.mem.write_words(d, &desc).map_err(Error::Memory)?;
            }
        }
        let data = self.layout.data_addr;
        self.mem.write_words(data, limbs).map_err(Error::Memory)?;
        let cfg = job_cfg::LOG_N.val(log_n)
            | job_cfg::INVERSE.val(u32::from(dir == Direction::Inverse))
            | job_cfg::DESC_EN.val(u32::from(!register_mode));
        self.write(regmap::job_cfg::OFFSET, cfg)?;
        self.write(regmap::batch_count::OFFSET, plans.len() as u32)?;
        self.write(regmap::batch_stride::OFFSET, n as u32)?;
        self.write(regmap::src_addr::OFFSET, data)?;
        self.write(regmap::dst_addr::OFFSET, data)?;
        if register_mode {
            let slot = pinned.first().copied().unwrap_or(0);
            let m = first.modulus();
            let (q_lo, q_hi) = halves(m.value());
            let (mu_lo, mu_hi) = halves(m.barrett_wide_constant());
            let (ni_lo, ni_hi) = halves(first.degree_inv().value);
            self.write(
                regmap::twiddle_addr::OFFSET,
                self.layout.slot_addr(slot as u32),
            )?;
            self.write(regmap::modulus_lo::OFFSET, q_lo)?;
            self.write(regmap::modulus_hi::OFFSET, q_hi)?;
            self.write(regmap::barrett_mu_lo::OFFSET, mu_lo)?;
            self.write(regmap::barrett_mu_hi::OFFSET, mu_hi)?;
            self.write(regmap::mod_bits::OFFSET, m.bits())?;
            self.write(regmap::n_inv_lo::OFFSET, ni_lo)?;
            self.write(regmap::n_inv_hi::OFFSET, ni_hi)?;
        } else {
            self.write(regmap::desc_addr::OFFSET, self.layout.desc_addr)?;
        }
        self.write(
            irq_status::OFFSET,
            irq_status::DONE.val(1) | irq_status::ERROR.val(1),
        )?;
        self.write(regmap::ctrl::OFFSET, regmap::ctrl::START.val(1))?;
        self.jobs += 1;
        crate::log::debug!("job started: {} limbs, log N {}", plans.len(), log_n);
        self.wait()?;
        self.mem.read_words(data, limbs).map_err(Error::Memory)?;
        for (j, (plan, limb)) in plans.iter().zip(limbs.chunks_exact(n.max(1))).enumerate() {
            let q = plan.modulus().value();
            if let Some(index) = limb.iter().position(|&w| w >= q) {
                crate::log::warning!("corrupt output at limb {} index {}", first_limb + j, index);
                return Err(Error::CorruptOutput {
                    limb: first_limb + j,
                    index,
                });
            }
        }
        Ok(())
    }

    /// Returns the slot holding the twiddles of `plan`, loading them into a
    /// slot outside `pinned` if they are not resident.
    pub(super) fn ensure_twiddles<W: Word, S: AsRef<[W]>>(
        &mut self,
        plan: &NttPlan<W, S>,
        pinned: &[usize],
    ) -> Result<usize, DriverError<B, M>> {
        let key = SlotKey {
            q: plan.modulus().value().to_u64(),
            log_n: plan.log_degree(),
        };
        let slots = self.layout.slots as usize;
        if let Some(i) = self.slots.iter().take(slots).position(|s| *s == Some(key)) {
            return Ok(i);
        }
        let mut victim = self.next_victim % slots;
        for _ in 0..slots {
            if !pinned.contains(&victim) {
                break;
            }
            victim = (victim + 1) % slots;
        }
        self.next_victim = (victim + 1) % slots;
        let addr = self.layout.slot_addr(victim as u32);
        let n = plan.degree() as u32;
        if let Some(s) = self.slots.get_mut(victim) {
            // Invalidate first: a failed load must not leave a stale key.
            *s = None;
        }
        self.mem
            .write_words(addr, plan.forward_twiddles())
            .map_err(Error::Memory)?;
        self.mem
            .write_words(addr + n, plan.inverse_twiddles())
            .map_err(Error::Memory)?;
        if let Some(s) = self.slots.get_mut(victim) {
            *s = Some(key);
        }
        crate::log::debug!(
            "twiddles q={} log N {} in slot {}",
            key.q,
            key.log_n,
            victim
        );
        Ok(victim)
    }

    /// Waits for the started job: `Ok` on `DONE`, the device's error on
    /// `ERROR`, [`Error::Timeout`] (after a soft reset) when neither comes.
    fn wait(&mut self) -> Result<(), DriverError<B, M>> {
        let mut waited: u32 = 0;
        loop {
            let finished = match self.config.wait {
                WaitMode::Poll => {
                    let s = self.read(status::OFFSET)?;
                    status::BUSY.get(s) == 0 && (status::DONE.get(s) | status::ERROR.get(s)) != 0
                }
                WaitMode::Interrupt => self.read(irq_status::OFFSET)? != 0,
            };
            if finished {
                break;
            }
            if waited >= self.config.timeout_us {
                crate::log::warning!("job timed out after {} us", waited);
                self.soft_reset()?;
                return Err(Error::Timeout { waited_us: waited });
            }
            self.delay.delay_us(self.config.poll_us);
            waited = waited.saturating_add(self.config.poll_us);
        }
        let s = self.read(status::OFFSET)?;
        self.write(
            irq_status::OFFSET,
            irq_status::DONE.val(1) | irq_status::ERROR.val(1),
        )?;
        if status::ERROR.get(s) != 0 || status::DONE.get(s) == 0 {
            let raw = status::ERR_CODE.get(s) as u8;
            let limb = status::ERR_LIMB.get(s) as u16;
            crate::log::warning!("device error code {} limb {}", raw, limb);
            return Err(Error::Device {
                code: ErrorCode::from_raw(u32::from(raw)),
                raw,
                limb,
            });
        }
        Ok(())
    }
}
