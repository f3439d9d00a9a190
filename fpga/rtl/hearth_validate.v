// hearth_validate: the BAD_MODULUS checks of the register map, registered.
//
// bad = q even | q < 3 | L = 0 | L > W-2 | bitlen(q) != L | q != 1 mod 2N
//     | not (q*mu <= 2^(2L) < q*(mu+1)) | n_inv >= q
// Result one cycle after the inputs.
module hearth_validate #(
    parameter W = 64
) (
    input  wire         clk,
    input  wire [W-1:0] q,
    input  wire [W-1:0] mu,
    input  wire [6:0]   bits,
    input  wire [W-1:0] n_inv,
    input  wire [4:0]   log_n,
    output reg          bad
);
    wire [2*W:0] prod = {{(W+1){1'b0}}, q} * {{(W+1){1'b0}}, mu};
    wire [2*W:0] pow  = {{(2*W){1'b0}}, 1'b1} << {bits, 1'b0};
    wire [W-1:0] top  = q >> (bits - 7'd1);
    wire [W-1:0] mask = ({{(W-1){1'b0}}, 1'b1} << (log_n + 5'd1)) - 1;
    wire mu_ok = (prod <= pow) && (pow < prod + {{(W+1){1'b0}}, q});
    wire shape_bad = !q[0] || (q < 3) || (bits == 0) || (bits > W - 2) || (top != 1);
    always @(posedge clk)
        bad <= shape_bad || (((q - 1) & mask) != 0) || !mu_ok || (n_inv >= q);
endmodule
