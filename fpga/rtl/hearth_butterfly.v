// hearth_butterfly: one butterfly lane, fully reduced in and out.
//
// inverse = 0 (Cooley-Tukey, forward):  x' = x + w*y,  y' = x - w*y  (mod q)
// inverse = 1 (Gentleman-Sande, inverse): x' = x + y,  y' = (x - y)*w (mod q)
// These are the butterflies of kernels/src/ntt/{forward,inverse}.rs with full
// instead of lazy reduction; since the kernels' outputs are fully reduced and
// modular arithmetic is exact, the words agree. Inputs x, y, w in [0, q).
// Latency: 1 (pre add/sub) + 4 (multiplier) + 1 (post add/sub) = 6 cycles.
module hearth_butterfly #(
    parameter W = 64
) (
    input  wire         clk,
    input  wire         inverse,
    input  wire [W-1:0] q,
    input  wire [W-1:0] mu,
    input  wire [6:0]   bits,
    input  wire [W-1:0] x,
    input  wire [W-1:0] y,
    input  wire [W-1:0] w,
    output reg  [W-1:0] xo,
    output reg  [W-1:0] yo
);
    function [W-1:0] add_mod(input [W-1:0] a, input [W-1:0] b, input [W-1:0] m);
        reg [W:0] s;
        begin
            s = {1'b0, a} + {1'b0, b};
            add_mod = (s >= {1'b0, m}) ? s[W-1:0] - m : s[W-1:0];
        end
    endfunction
    function [W-1:0] sub_mod(input [W-1:0] a, input [W-1:0] b, input [W-1:0] m);
        begin
            sub_mod = (a >= b) ? a - b : a - b + m;
        end
    endfunction

    // Pre stage: GS forms x+y and x-y; CT passes x and y.
    reg [W-1:0] xp, mp, wp;
    always @(posedge clk) begin
        xp <= inverse ? add_mod(x, y, q) : x;
        mp <= inverse ? sub_mod(x, y, q) : y;
        wp <= w;
    end

    wire [W-1:0] prod;
    hearth_modmul #(.W(W)) mul (
        .clk(clk), .a(mp), .b(wp), .q(q), .mu(mu), .bits(bits), .r(prod)
    );

    // x waits for the multiplier (4 cycles).
    reg [W-1:0] xd0, xd1, xd2, xd3;
    always @(posedge clk) begin
        xd0 <= xp; xd1 <= xd0; xd2 <= xd1; xd3 <= xd2;
    end

    // Post stage: CT forms x+v and x-v; GS passes.
    always @(posedge clk) begin
        xo <= inverse ? xd3 : add_mod(xd3, prod, q);
        yo <= inverse ? prod : sub_mod(xd3, prod, q);
    end
endmodule
