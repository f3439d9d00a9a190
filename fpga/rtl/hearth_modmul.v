// hearth_modmul: pipelined Barrett modular multiplier, r = a*b mod q.
//
// For q with L bits (L <= W-2) and mu = floor(2^(2L)/q), a product
// x = a*b < 2^(2L) is reduced as in kernels/src/arith/barrett.rs
// (HAC Fact 14.42):
//   x1 = x >> (L-1);  t = (x1*mu) >> (L+1);  r = x - t*q  in [0, 3q)
// followed by two conditional subtractions. Inputs a, b must be < q;
// the output is fully reduced to [0, q). Latency: 4 cycles, one result per
// cycle. q, mu and L must be stable while products are in flight.
module hearth_modmul #(
    parameter W = 64
) (
    input  wire         clk,
    input  wire [W-1:0] a,
    input  wire [W-1:0] b,
    input  wire [W-1:0] q,
    input  wire [W-1:0] mu,
    input  wire [6:0]   bits,
    output reg  [W-1:0] r
);
    // Stage 1: the double-word product.
    reg [2*W-1:0] x_s1;
    always @(posedge clk) x_s1 <= a * b;

    // Stage 2: the quotient estimate before its final shift.
    // x1 < 2^(L+1) and mu < 2^(L+1) with L <= W-2: both fit one word.
    wire [2*W-1:0] x1 = x_s1 >> (bits - 7'd1);
    wire [W-1:0]   x1w = x1[W-1:0];
    reg  [2*W-1:0] t2_s2;
    reg  [W-1:0]   xlo_s2;
    always @(posedge clk) begin
        t2_s2  <= x1w * mu;
        xlo_s2 <= x_s1[W-1:0];
    end

    // Stage 3: x - t*q in one wrapping word, in [0, 3q).
    wire [2*W-1:0] t_full = t2_s2 >> (bits + 7'd1);
    wire [W-1:0]   t      = t_full[W-1:0];
    wire [W-1:0]   tq     = t * q;
    reg  [W-1:0]   r3_s3;
    always @(posedge clk) r3_s3 <= xlo_s2 - tq;

    // Stage 4: [0, 3q) -> [0, q).
    wire [W-1:0] two_q = q << 1;
    wire [W-1:0] r2 = (r3_s3 >= two_q) ? r3_s3 - two_q : r3_s3;
    wire [W-1:0] r1 = (r2 >= q) ? r2 - q : r2;
    always @(posedge clk) r <= r1;
endmodule
