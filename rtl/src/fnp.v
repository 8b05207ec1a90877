// fnp: the fully connected NP (FNP3 internal weights, FNP2 external weights) of akisim:
// FullyConnected (v1) and Dense1D (v2). An input event (x, y, c) is flattened to
// (x * in.y + y) * in.c + c and adds value x weight to every unit of the slice,
// FNP_UNIT_LANES units per cycle: an event takes G * FNP_EVENT_CYCLES cycles
// (G = ceil(units / FNP_UNIT_LANES)); the end of frame G * FNP_OUTPUT_CYCLES cycles before
// emission (npu_cost_fnp_events / npu_cost_output).
// A thin wrapper of np_core. FNP2 (EXT_WORDS != 0): per accepted event one external read per
// unit (stall cycles, timed by the engine's memory model), then the same integration.
// PORTS: stable contract of the cosim adapters (docs/rtl.md "Ports"). ADDED for FNP2: the
// external-memory read port ext_rd_valid/ext_rd_ready/ext_rd_addr (byte address of a 32-bit
// word of the program's external image) and ext_rsp_valid/ext_rsp_data (in order, latency
// >= 1, one outstanding). FNP3 never requests: tie ext_rd_ready = ext_rsp_valid = 0. The
// ports shared with cnp and hrc are in np_ports.vh.
`include "npu_regmap.vh"

module fnp #(
    parameter int FNP_UNIT_LANES = 8,  // units updated in parallel
    parameter int FNP_EVENT_CYCLES = 1,  // cycles per input event per unit group
    parameter int FNP_OUTPUT_CYCLES = 1,  // cycles per unit group at the end of frame
    parameter int WEIGHT_WORDS = 16384,  // WEIGHTS SRAM depth (32-bit words)
    parameter int WROWS = 16384,  // unpacked weight rows (groups x inputs)
    parameter int MAX_FILTERS = 256,  // units per slice
    parameter int MAX_CHANNELS = 256  // input channels
) (
`include "np_ports.vh"
    output logic [63:0] cyc_stall,  // emission, back-pressure and external memory cycles
    // FNP2 external weight memory (EXT_WORDS != 0): read request valid/ready with the byte
    // address of one 32-bit word, response data in request order (any latency >= 1 cycle;
    // one request outstanding). FNP3 never requests: tie ext_rd_ready / ext_rsp_valid to 0.
    output logic ext_rd_valid,
    input logic ext_rd_ready,
    output logic [31:0] ext_rd_addr,
    input logic ext_rsp_valid,
    input logic [31:0] ext_rsp_data
);
  np_core #(
      .KIND(`NPU_RM_TYPE_FNP),
      .LANES(FNP_UNIT_LANES),
      .EV_OVERHEAD(0),
      .EV_CYC_1(FNP_EVENT_CYCLES),
      .OUT_CYCLES(FNP_OUTPUT_CYCLES),
      .WEIGHT_WORDS(WEIGHT_WORDS),
      .WROWS(WROWS),
      .POT_ROWS(64),
      .MAX_FILTERS(MAX_FILTERS),
      .MAX_CHANNELS(MAX_CHANNELS)
  ) core (
      .*
  );
endmodule
