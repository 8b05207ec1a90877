// noc_router: the 5-port XY mesh router of akisim (ports N, E, S, W and the local NP port).
//
// It carries the packets of the C NoC model (sim/src/sim_noc.c): a packet goes from a source
// NP ident to a destination ident (col, row, id), routed dimension-ordered: first along the row
// to the destination column (E when dst_col > col, W when smaller), then along the column (N
// when dst_row > row, S when smaller), then out of the local port to slot `id`. A packet is one
// or more 96-bit flits, one event (two 32-bit words, docs/rtl.md) per flit, matching the
// model's one 8-byte event per link per cycle; every flit carries its destination, the last
// one has TAIL set. Wormhole switching: an output stays locked to one input from a packet's
// first flit to its tail, so packets never interleave on a link; among competing inputs each
// output arbitrates round-robin. Every input has a 2-flit FIFO; its ready is registered
// (back-pressure: a full FIFO stalls the upstream router or NP). The crossbar and arbitration
// are combinational, so an uncontended flit crosses a router in one cycle (hop_cycles = 1).
//
// Flit layout (FLIT_W = 96): [31:0] word 0, [63:32] word 1, [71:64] dst col, [79:72] dst row,
// [81:80] dst slot id, [82] tail, [95:83] reserved (carried unchanged).
// Port index: 0 N, 1 E, 2 S, 3 W, 4 local.
module noc_router #(
    parameter int FLIT_W = 96,  // flit width (see the layout above)
    parameter int DEPTH = 2  // input FIFO depth (>= 2 for one flit per cycle)
) (
    input logic clk,
    input logic rst_n,
    input logic [7:0] my_col,  // this router's node column
    input logic [7:0] my_row,  // this router's node row
    input logic [4:0] in_valid,  // per input port
    output logic [4:0] in_ready,
    input logic [5*FLIT_W-1:0] in_flit,
    output logic [4:0] out_valid,  // per output port
    input logic [4:0] out_ready,
    output logic [5*FLIT_W-1:0] out_flit
);
  localparam int N = 0, E = 1, S = 2, W = 3, L = 4;
  localparam int DW = $clog2(DEPTH + 1);
  localparam int PW = DEPTH > 1 ? $clog2(DEPTH) : 1;

  // ------------------------------------------------------------------ input FIFOs
  logic [FLIT_W-1:0] fifo[5][DEPTH];
  logic [DW-1:0] cnt[5];
  logic [PW-1:0] rd[5], wr[5];
  logic [4:0] pop;  // head of input i leaves this cycle
  logic [FLIT_W-1:0] head[5];
  logic [4:0] head_v;
  always_comb begin
    for (int i = 0; i < 5; i++) begin
      head[i] = fifo[i][rd[i]];
      head_v[i] = cnt[i] != 0;
      in_ready[i] = cnt[i] != DW'(DEPTH);
    end
  end

  // ------------------------------------------------------------------ route computation
  function automatic [2:0] route(input [7:0] dcol, input [7:0] drow, input [7:0] col,
                                 input [7:0] row);
    if (dcol > col) return 3'(E);
    if (dcol < col) return 3'(W);
    if (drow > row) return 3'(N);
    if (drow < row) return 3'(S);
    return 3'(L);
  endfunction
  logic [2:0] want[5];
  always_comb
    for (int i = 0; i < 5; i++) want[i] = route(head[i][71:64], head[i][79:72], my_col, my_row);

  // ------------------------------------------------------------------ arbitration
  logic [4:0] locked;  // output o is reserved by a packet in flight
  logic [2:0] owner[5];  // input holding output o
  logic [2:0] rr[5];  // round-robin start per output
  logic [4:0] gnt_v;  // output o has a granted input
  logic [2:0] gnt[5];  // granted input of output o
  always_comb begin
    logic [2:0] i;
    i = '0;
    for (int o = 0; o < 5; o++) begin
      gnt_v[o] = 1'b0;
      gnt[o]   = '0;
      if (locked[o]) begin
        gnt_v[o] = head_v[owner[o]] && want[owner[o]] == 3'(o);
        gnt[o]   = owner[o];
      end else begin
        for (int k = 4; k >= 0; k--) begin  // lowest offset from rr wins
          i = 3'((32'(rr[o]) + k) % 5);
          if (head_v[i] && want[i] == 3'(o)) begin
            gnt_v[o] = 1'b1;
            gnt[o]   = i;
          end
        end
      end
    end
  end

  // ------------------------------------------------------------------ crossbar
  always_comb begin
    pop = '0;
    for (int o = 0; o < 5; o++) begin
      out_valid[o] = gnt_v[o];
      out_flit[o*FLIT_W+:FLIT_W] = head[gnt[o]];
      if (gnt_v[o] && out_ready[o]) pop[gnt[o]] = 1'b1;
    end
  end

  // ------------------------------------------------------------------ state
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int i = 0; i < 5; i++) begin
        cnt[i] <= '0;
        rd[i] <= '0;
        wr[i] <= '0;
        locked[i] <= 1'b0;
        owner[i] <= '0;
        rr[i] <= '0;
      end
    end else begin
      for (int i = 0; i < 5; i++) begin
        logic push;
        push = in_valid[i] && in_ready[i];
        if (push) begin
          fifo[i][wr[i]] <= in_flit[i*FLIT_W+:FLIT_W];
          wr[i] <= PW'((32'(wr[i]) + 1) % DEPTH);
        end
        if (pop[i]) rd[i] <= PW'((32'(rd[i]) + 1) % DEPTH);
        cnt[i] <= cnt[i] + DW'(push) - DW'(pop[i]);
      end
      for (int o = 0; o < 5; o++) begin
        if (gnt_v[o] && out_ready[o]) begin
          locked[o] <= !head[gnt[o]][82];  // hold the output until the tail
          owner[o] <= gnt[o];
          rr[o] <= 3'((32'(gnt[o]) + 1) % 5);
        end
      end
    end
  end
endmodule
