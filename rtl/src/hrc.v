// hrc: the high-resolution convolution NP of akisim: dense 8-bit image input layers
// (InputConvolutional v1, InputConv2D v2), cross-correlation with padding_value for the
// padded pixels. Pixels arrive as events in scan order (x, y, c), every pixel including
// zeros; they fill a line buffer of the NP's need columns. When the last pixel of input line x
// arrives, the output columns completing at x are computed with HRC_MACS_PER_CYCLE MACs per
// cycle: ceil(MACs / HRC_MACS_PER_CYCLE) cycles (npu_cost_hrc_line); the end of frame takes
// P * G * HRC_OUTPUT_CYCLES cycles (G = ceil(filters / HRC_FILTER_LANES)) before emission.
// A thin wrapper of np_core.
// PORTS: stable contract of the cosim adapters (docs/rtl.md "Ports"); unchanged. The ports
// shared with cnp and fnp are in np_ports.vh; np_no_ext.vh ties off the external port.
`include "npu_regmap.vh"

module hrc #(
    parameter int HRC_MACS_PER_CYCLE = 64,  // dense MACs per cycle
    parameter int HRC_FILTER_LANES = 8,  // filters per group (potential row width)
    parameter int HRC_OUTPUT_CYCLES = 1,  // cycles per output position per filter group
    parameter int WEIGHT_WORDS = 4096,  // WEIGHTS SRAM depth (32-bit words)
    parameter int WROWS = 4096,  // unpacked weight rows
    parameter int POT_ROWS = 8192,  // potential rows (positions x filter groups)
    parameter int IN_WORDS = 8192,  // line buffer depth (pixels of the need columns)
    parameter int MAX_FILTERS = 256,  // filters per slice
    parameter int MAX_CHANNELS = 256  // input channels
) (
`include "np_ports.vh"
    output logic [63:0] cyc_stall  // emission and back-pressure cycles
);
  np_core #(
      .KIND(`NPU_RM_TYPE_HRC),
      .LANES(HRC_FILTER_LANES),
      .MACS_PER_CYCLE(HRC_MACS_PER_CYCLE),
      .OUT_CYCLES(HRC_OUTPUT_CYCLES),
      .WEIGHT_WORDS(WEIGHT_WORDS),
      .WROWS(WROWS),
      .POT_ROWS(POT_ROWS),
      .IN_WORDS(IN_WORDS),
      .MAX_FILTERS(MAX_FILTERS),
      .MAX_CHANNELS(MAX_CHANNELS)
  ) core (
`include "np_no_ext.vh"
      .*
  );
endmodule
