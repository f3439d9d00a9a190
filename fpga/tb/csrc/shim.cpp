// C ABI around one Verilated configuration of hearth_ntt_top: a register bus,
// the clock, and a device memory that serves the pipeline's memory port with a
// fixed read latency. Compiled once per (WORD_BITS, LANES) with
//   -DHEARTH_MODEL=<verilated class> -DHEARTH_PREFIX=<symbol prefix>
//   -DHEARTH_HEADER="<class>.h"
#include <cstdint>
#include <deque>
#include <vector>
#include "verilated.h"
#include HEARTH_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(HEARTH_PREFIX, name)

namespace {

// Verilator stores ports of up to 8/16/32/64 bits in integers and wider ports
// in VlWide (32-bit limbs, least significant first). `bits` is the port width.
template <typename T> void put(T& port, const uint64_t* w, int bits) {
    if constexpr (std::is_integral_v<T>) {
        (void)bits;
        port = static_cast<T>(w[0]);
    } else {
        for (int i = 0; i * 32 < bits; i++)
            port[i] = static_cast<uint32_t>(w[i / 2] >> (32 * (i % 2)));
    }
}
template <typename T> void get(const T& port, uint64_t* w, int bits) {
    if constexpr (std::is_integral_v<T>) {
        (void)bits;
        w[0] = static_cast<uint64_t>(port);
    } else {
        for (int i = 0; i * 64 < bits; i++) w[i] = 0;
        for (int i = 0; i * 32 < bits; i++)
            w[i / 2] |= static_cast<uint64_t>(port[i]) << (32 * (i % 2));
    }
}

struct Sim {
    VerilatedContext ctx;
    HEARTH_MODEL* top;
    std::vector<uint64_t> mem;
    std::deque<std::pair<uint64_t, uint64_t>> reads;  // (due cycle, address)
    uint64_t cycle = 0;
    unsigned latency;
    int word_bits, lanes;
    uint64_t mask;

    Sim(uint64_t words, unsigned lat, int wb, int ln)
        : mem(words, 0), latency(lat < 1 ? 1 : lat), word_bits(wb), lanes(ln) {
        mask = wb == 64 ? ~0ull : ((1ull << wb) - 1);
        top = new HEARTH_MODEL(&ctx);
        top->clk = 0;
        top->rst = 1;
        top->bus_we = 0;
        top->bus_re = 0;
        top->rsp_valid = 0;
        top->eval();
        for (int i = 0; i < 4; i++) edge();
        top->rst = 0;
        top->eval();
    }
    ~Sim() {
        top->final();
        delete top;
    }
    uint64_t word(uint64_t a) const { return a < mem.size() ? mem[a] : 0; }
    void edge() {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    }
    // One clock cycle: present a due read response, sample the requests the
    // design makes this cycle, then the rising edge.
    void tick() {
        std::vector<uint64_t> beat(lanes, 0);
        if (!reads.empty() && reads.front().first == cycle) {
            uint64_t a = reads.front().second;
            reads.pop_front();
            for (int l = 0; l < lanes; l++) beat[l] = word(a + l);
            top->rsp_valid = 1;
        } else {
            top->rsp_valid = 0;
        }
        std::vector<uint64_t> packed(lanes * word_bits / 64 + 1, 0);
        for (int l = 0; l < lanes; l++) {
            int bit = l * word_bits;
            packed[bit / 64] |= beat[l] << (bit % 64);
        }
        put(top->rsp_data, packed.data(), lanes * word_bits);
        top->eval();
        if (top->rd_valid) reads.emplace_back(cycle + latency, top->rd_addr);
        if (top->wr_valid) {
            std::vector<uint64_t> out(lanes * word_bits / 64 + 1, 0);
            get(top->wr_data, out.data(), lanes * word_bits);
            uint64_t a = top->wr_addr;
            uint64_t m = top->wr_mask;
            for (int l = 0; l < lanes; l++) {
                if (!((m >> l) & 1) || a + l >= mem.size()) continue;
                int bit = l * word_bits;
                uint64_t v = out[bit / 64] >> (bit % 64);
                mem[a + l] = v & mask;
            }
        }
        edge();
        cycle++;
    }
};

}  // namespace

extern "C" {

void* FN(new)(uint64_t words, unsigned latency, int word_bits, int lanes) {
    return new Sim(words, latency, word_bits, lanes);
}
void FN(free)(void* s) { delete static_cast<Sim*>(s); }
void FN(tick)(void* p, uint64_t n) {
    Sim* s = static_cast<Sim*>(p);
    for (uint64_t i = 0; i < n; i++) s->tick();
}
uint64_t FN(cycle)(void* p) { return static_cast<Sim*>(p)->cycle; }
void FN(write32)(void* p, uint32_t addr, uint32_t data) {
    Sim* s = static_cast<Sim*>(p);
    s->top->bus_addr = addr;
    s->top->bus_wdata = data;
    s->top->bus_we = 1;
    s->tick();
    s->top->bus_we = 0;
}
uint32_t FN(read32)(void* p, uint32_t addr) {
    Sim* s = static_cast<Sim*>(p);
    s->top->bus_addr = addr;
    s->top->bus_re = 1;
    s->top->eval();
    uint32_t v = s->top->bus_rdata;
    s->tick();
    s->top->bus_re = 0;
    return v;
}
int FN(irq)(void* p) { return static_cast<Sim*>(p)->top->irq; }
uint64_t FN(mem_words)(void* p) { return static_cast<Sim*>(p)->mem.size(); }
uint64_t FN(mem_read)(void* p, uint64_t a) { return static_cast<Sim*>(p)->word(a); }
void FN(mem_write)(void* p, uint64_t a, uint64_t v) {
    Sim* s = static_cast<Sim*>(p);
    if (a < s->mem.size()) s->mem[a] = v & s->mask;
}

}  // extern "C"
