// hearth_kat_tb: plain Verilog test bench. Replays one committed known-answer
// vector (tests/kat/*.hex, $readmemh) on hearth_ntt_top: forward of the input
// must equal the forward file, inverse of that must give the input back.
//
// Plusargs: +input=<file> +forward=<file> +logn=<k> +q=<decimal> +psi=<decimal>
// The test bench derives everything else itself with wide behavioural
// arithmetic: the twiddle table psi^brv(j), psi^-brv(j) (psi^-1 = psi^(2N-1)),
// mu = floor(2^(2L)/q), N^-1 = q - (q-1)/N; it checks psi^N = -1 mod q.
// The memory model serves the read channel with a latency of 2 cycles.
`timescale 1ns/1ps
module hearth_kat_tb;
    parameter WORD_BITS = 32;
    parameter LANES = 4;
    localparam W = WORD_BITS;
    localparam MEM = 1 << 18;
    localparam SRC = 32'h10000, TW = 32'h0, DST = 32'h20000;

    reg clk = 0, rst = 1;
    always #2 clk = ~clk;

    reg bus_we = 0, bus_re = 0;
    reg [11:0] bus_addr = 0;
    reg [31:0] bus_wdata = 0;
    wire [31:0] bus_rdata;
    wire irq, rd_valid, wr_valid;
    wire [31:0] rd_addr, wr_addr;
    reg rsp_valid = 0;
    reg [LANES*W-1:0] rsp_data = 0;
    wire [LANES*W-1:0] wr_data;
    wire [LANES-1:0] wr_mask;

    hearth_ntt_top #(.WORD_BITS(W), .LANES(LANES), .LOG_N_MAX(14), .DEVMEM_WORDS(MEM)) dut (
        .clk(clk), .rst(rst), .bus_we(bus_we), .bus_re(bus_re), .bus_addr(bus_addr),
        .bus_wdata(bus_wdata), .bus_rdata(bus_rdata), .irq(irq),
        .rd_valid(rd_valid), .rd_addr(rd_addr), .rsp_valid(rsp_valid), .rsp_data(rsp_data),
        .wr_valid(wr_valid), .wr_addr(wr_addr), .wr_data(wr_data), .wr_mask(wr_mask)
    );

    // ------------------------------------------------------ device memory
    reg [W-1:0] mem [0:MEM-1];
    reg [31:0] pend_addr [0:1];
    reg pend_valid [0:1];
    integer l;
    initial begin pend_valid[0] = 0; pend_valid[1] = 0; end
    always @(posedge clk) begin
        // a request made in cycle c is answered in cycle c + 2
        rsp_valid <= pend_valid[1];
        for (l = 0; l < LANES; l = l + 1)
            rsp_data[l*W +: W] <= (pend_addr[1] + l < MEM) ? mem[pend_addr[1] + l] : 0;
        pend_valid[1] <= pend_valid[0]; pend_addr[1] <= pend_addr[0];
        pend_valid[0] <= rd_valid; pend_addr[0] <= rd_addr;
        if (wr_valid)
            for (l = 0; l < LANES; l = l + 1)
                if (wr_mask[l] && wr_addr + l < MEM) mem[wr_addr + l] <= wr_data[l*W +: W];
    end

    // ------------------------------------------------------- bus tasks
    task wr(input [11:0] a, input [31:0] d);
        begin
            @(negedge clk); bus_addr = a; bus_wdata = d; bus_we = 1;
            @(negedge clk); bus_we = 0;
        end
    endtask
    task rd(input [11:0] a, output [31:0] d);
        begin
            @(negedge clk); bus_addr = a; bus_re = 1; #1 d = bus_rdata;
            @(negedge clk); bus_re = 0;
        end
    endtask

    // --------------------------------------------- behavioural arithmetic
    function [127:0] mulmod(input [127:0] a, input [127:0] b, input [127:0] m);
        mulmod = (a * b) % m;
    endfunction
    function [127:0] powmod(input [127:0] a, input [127:0] e, input [127:0] m);
        reg [127:0] r, base, x;
        begin
            r = 1; base = a % m; x = e;
            while (x != 0) begin
                if (x[0]) r = mulmod(r, base, m);
                base = mulmod(base, base, m);
                x = x >> 1;
            end
            powmod = r;
        end
    endfunction
    function integer brv(input integer x, input integer bits);
        integer i;
        begin
            brv = 0;
            for (i = 0; i < bits; i = i + 1) if ((x >> i) & 1) brv = brv | (1 << (bits - 1 - i));
        end
    endfunction

    reg [W-1:0] input_v [0:(1<<14)-1];
    reg [W-1:0] forward_v [0:(1<<14)-1];
    reg [1023:0] fin, ffwd;
    reg [63:0] q, psi, psi_inv, mu, n_inv, pw, pwi;
    integer logn, n, bits, j, errors;
    reg [31:0] status;

    task run(input inverse);
        begin
            wr(12'h040, logn | (inverse << 8));
            wr(12'h044, 1); wr(12'h048, n); wr(12'h04c, SRC); wr(12'h050, DST);
            wr(12'h054, TW);
            wr(12'h060, q[31:0]); wr(12'h064, q[63:32]);
            wr(12'h068, mu[31:0]); wr(12'h06c, mu[63:32]); wr(12'h070, bits);
            wr(12'h074, n_inv[31:0]); wr(12'h078, n_inv[63:32]);
            wr(12'h020, 1);
            status = 1;
            while (status[0]) rd(12'h024, status);
            if (status[2:1] != 2'b01) begin
                $display("FAIL: status %h", status); $fatal(1);
            end
        end
    endtask

    initial begin
        if (!$value$plusargs("input=%s", fin) || !$value$plusargs("forward=%s", ffwd)
            || !$value$plusargs("logn=%d", logn) || !$value$plusargs("q=%d", q)
            || !$value$plusargs("psi=%d", psi)) begin
            $display("usage: +input=F +forward=F +logn=K +q=Q +psi=PSI"); $fatal(1);
        end
        n = 1 << logn;
        $readmemh(fin, input_v, 0, n - 1);
        $readmemh(ffwd, forward_v, 0, n - 1);
        bits = 0;
        for (j = 0; j < 64; j = j + 1) if (q[j]) bits = j + 1;
        if (powmod(psi, n, q) != q - 1) begin $display("FAIL: psi^N != -1"); $fatal(1); end
        psi_inv = powmod(psi, 2 * n - 1, q);
        mu = (128'd1 << (2 * bits)) / q;
        n_inv = q - (q - 1) / n;
        pw = 1; pwi = 1;
        for (j = 0; j < n; j = j + 1) begin
            mem[TW + brv(j, logn)] = pw;
            mem[TW + n + brv(j, logn)] = pwi;
            pw = mulmod(pw, psi, q);
            pwi = mulmod(pwi, psi_inv, q);
        end
        for (j = 0; j < n; j = j + 1) mem[SRC + j] = input_v[j];
        repeat (4) @(posedge clk);
        rst = 0;
        errors = 0;
        run(0);
        for (j = 0; j < n; j = j + 1) if (mem[DST + j] !== forward_v[j]) errors = errors + 1;
        for (j = 0; j < n; j = j + 1) mem[SRC + j] = forward_v[j];
        run(1);
        for (j = 0; j < n; j = j + 1) if (mem[DST + j] !== input_v[j]) errors = errors + 1;
        if (errors != 0) begin
            $display("FAIL: %0d words differ (N=%0d, q=%0d)", errors, n, q); $fatal(1);
        end
        $display("PASS: N=%0d q=%0d forward and inverse, WORD_BITS=%0d LANES=%0d", n, q, W, LANES);
        $finish;
    end
endmodule
