//! The C ABI of `csrc/shim.cpp`, once per Verilated configuration.

use core::ffi::c_void;

/// The shim's entry points for one configuration.
pub(crate) struct VTable {
    pub word_bits: u32,
    pub lanes: u32,
    pub new: unsafe extern "C" fn(u64, u32, i32, i32) -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    pub tick: unsafe extern "C" fn(*mut c_void, u64),
    pub cycle: unsafe extern "C" fn(*mut c_void) -> u64,
    pub write32: unsafe extern "C" fn(*mut c_void, u32, u32),
    pub read32: unsafe extern "C" fn(*mut c_void, u32) -> u32,
    pub irq: unsafe extern "C" fn(*mut c_void) -> i32,
    pub mem_read: unsafe extern "C" fn(*mut c_void, u64) -> u64,
    pub mem_write: unsafe extern "C" fn(*mut c_void, u64, u64),
}

macro_rules! model {
    ($modname:ident, $w:literal, $l:literal, $p:literal) => {
        mod $modname {
            use core::ffi::c_void;
            extern "C" {
                #[link_name = concat!($p, "new")]
                pub fn new(words: u64, latency: u32, word_bits: i32, lanes: i32) -> *mut c_void;
                #[link_name = concat!($p, "free")]
                pub fn free(s: *mut c_void);
                #[link_name = concat!($p, "tick")]
                pub fn tick(s: *mut c_void, n: u64);
                #[link_name = concat!($p, "cycle")]
                pub fn cycle(s: *mut c_void) -> u64;
                #[link_name = concat!($p, "write32")]
                pub fn write32(s: *mut c_void, addr: u32, data: u32);
                #[link_name = concat!($p, "read32")]
                pub fn read32(s: *mut c_void, addr: u32) -> u32;
                #[link_name = concat!($p, "irq")]
                pub fn irq(s: *mut c_void) -> i32;
                #[link_name = concat!($p, "mem_read")]
                pub fn mem_read(s: *mut c_void, a: u64) -> u64;
                #[link_name = concat!($p, "mem_write")]
                pub fn mem_write(s: *mut c_void, a: u64, v: u64);
            }
            pub(crate) static VTABLE: super::VTable = super::VTable {
                word_bits: $w,
                lanes: $l,
                new,
                free,
                tick,
                cycle,
                write32,
                read32,
                irq,
                mem_read,
                mem_write,
            };
        }
    };
}

model!(w32l1, 32, 1, "hearth_w32l1_");
model!(w32l2, 32, 2, "hearth_w32l2_");
model!(w32l4, 32, 4, "hearth_w32l4_");
model!(w32l8, 32, 8, "hearth_w32l8_");
model!(w32l16, 32, 16, "hearth_w32l16_");
model!(w64l1, 64, 1, "hearth_w64l1_");
model!(w64l4, 64, 4, "hearth_w64l4_");
model!(w64l8, 64, 8, "hearth_w64l8_");

/// Every built configuration.
pub(crate) static MODELS: [&VTable; 8] = [
    &w32l1::VTABLE,
    &w32l2::VTABLE,
    &w32l4::VTABLE,
    &w32l8::VTABLE,
    &w32l16::VTABLE,
    &w64l1::VTABLE,
    &w64l4::VTABLE,
    &w64l8::VTABLE,
];
