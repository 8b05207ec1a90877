// np_core: the shared datapath and control of the akisim NP blocks (cnp, fnp, hrc wrap it).
//
// One NP holds one slice of one layer. It is programmed ONLY through its configuration port
// with the register / SRAM writes of the compiler's program tracks, decoded with the generated
// register map (npu_regmap.vh, never hard-coded offsets), then `cfg_start` derives the
// geometry (convolution size, pool padding, the output / convolution / input columns the NP
// owns, exactly npu/np/np_geom.c) and unpacks the packed WEIGHTS region into a lane-organised
// weight memory (one row = LANES filters of one group). Per frame: `frame_start` clears the
// potentials (a valid bit per row), events stream in through a valid/ready port, and
// `frame_end` (sampled when idle) runs the output stage; output events leave through a
// valid/ready port in the C model's order (x, y, c). Arithmetic is bit-exact with npu/np
// (uint32 potentials wrapping modulo 2^32, v1 threshold/step, v2 bias/ReLU/scale/shift/sat).
//
// Cycle contract (npu/src/npu_cost.c, docs/rtl.md): `cyc_busy` counts the cycles the formulas
// model and equals them exactly (integer parameters, from the calibration file at build time):
//   CNP event: EV_OVERHEAD + G' * EV_CYC_k   (G' = filter groups, 1 for depthwise)
//   separable: EV_OVERHEAD + G * SEP_EV + weight-row streaming (G * in.c channels per event at
//              SEP_RATE per cycle, carried across the frame's events: ceil over the frame)
//   FNP event: G * EV_CYC_1                  (EV_CYC_1 = FNP_EVENT_CYCLES, EV_OVERHEAD = 0)
//   HRC line : ceil(MACs of the output columns completed by the line / MACS_PER_CYCLE)
//   output   : P * G * OUT_CYCLES            (P = conv positions; FNP: P = 1)
//              + separable: ceil(P * G * in.c / PW_RATE) (pointwise stage)
// Emission (pool-window reads, event serialisation, back-pressure), FNP2 external reads and a
// zero-cost output sweep (OUT_CYCLES = 0) are counted in `cyc_stall`.
//
// Covered layer kinds: CNP Convolutional (v1, real convolution), SeparableConvolutional (v1,
// fused depthwise x pointwise, exact modulo 2^32), Conv2D, DepthwiseConv2D, Conv2DTranspose,
// DepthwiseConv2DTranspose (v2); HRC InputConvolutional / InputConv2D (padding value); FNP
// FullyConnected / Dense1D with internal (FNP3) or external (FNP2, read port) weights. Not
// covered (cfg_err): kernels with more taps than EV_CYC_k cycles, separable kernels > 7 x 7.
//
// PORTS are a contract of the cosim adapters (docs/rtl.md "Ports"): the ext_* port exists
// on fnp only (cnp / hrc tie it off); announce any change there and at the top of the block.
//
// Test-only define AKISIM_RTL_BUG_ROUNDING (model Vcnp_bug only): off-by-one output stage.
`include "npu_regmap.vh"

module np_core #(
    parameter int KIND = `NPU_RM_TYPE_CNP,  // register-map NP type (HRC / CNP / FNP)
    parameter int LANES = 8,  // filters updated in parallel (one MAC lane per filter lane)
    parameter int EV_OVERHEAD = 1,  // fixed cycles per input event (CNP)
    parameter int EV_CYC_1 = 1,  // cycles per event per filter group, kernel size k = 1..7
    parameter int EV_CYC_2 = 4,
    parameter int EV_CYC_3 = 9,
    parameter int EV_CYC_4 = 16,
    parameter int EV_CYC_5 = 25,
    parameter int EV_CYC_6 = 36,
    parameter int EV_CYC_7 = 49,
    parameter int OUT_CYCLES = 1,  // output-stage cycles per position per filter group
    parameter int MACS_PER_CYCLE = 64,  // HRC: dense MACs per cycle
    parameter int PW_RATE = 1,  // CNP separable: pointwise input channels per cycle per group
    parameter int SEP_EV = 1,  // CNP separable: cycles per event per filter group (all taps)
    parameter int SEP_RATE = 0,  // CNP separable: weight-row channels per cycle (0 = no term)
    parameter int WEIGHT_WORDS = 4096,  // packed WEIGHTS SRAM depth (32-bit words)
    parameter int WROWS = 4096,  // unpacked weight rows (groups x weights per filter)
    parameter int POT_ROWS = 4096,  // potential rows (positions x groups)
    parameter int IN_WORDS = 1,  // HRC input line buffer depth (pixels)
    parameter int MAX_FILTERS = 256,  // filters of a slice (THRESHOLDS / SCALES entries)
    parameter int MAX_CHANNELS = 256,  // input channels (INPUT_SHIFTS entries)
    parameter int DW_WORDS = 1  // CNP separable: depthwise weights (channels x kernel taps)
) (
    input logic clk,
    input logic rst_n,
    // configuration port: one register or SRAM word per cycle
    input logic cfg_valid,
    input logic cfg_sram,  // 0 = register block, 1 = SRAM region
    input logic [1:0] cfg_region,  // SRAM region id (NPU_RM_REGION_*)
    input logic [31:0] cfg_offset,  // word offset in the register block / region
    input logic [31:0] cfg_data,
    input logic cfg_start,  // decode + unpack what was written
    output logic cfg_done,  // configured (events and frames accepted)
    output logic cfg_err,  // configuration not supported by this RTL
    // frame control (sampled when idle)
    input logic frame_start,
    input logic frame_end,
    // event input
    input logic ev_valid,
    output logic ev_ready,
    input logic [15:0] ev_x,
    input logic [15:0] ev_y,
    input logic [31:0] ev_c,
    input logic [31:0] ev_value,
    // event output
    output logic out_valid,
    input logic out_ready,
    output logic [15:0] out_x,
    output logic [15:0] out_y,
    output logic [31:0] out_c,
    output logic [31:0] out_value,
    output logic idle,  // ready for events / frame commands
    output logic done,  // one-cycle pulse: end of frame finished
    output logic [63:0] cyc_busy,  // formula cycles since frame_start
    output logic [63:0] cyc_stall,  // emission / back-pressure cycles since frame_start
    // FNP2 external weight memory: read requests (valid/ready, byte address of a 32-bit
    // word), responses in request order (one per request, any latency >= 1 cycle)
    output logic ext_rd_valid,
    input logic ext_rd_ready,
    output logic [31:0] ext_rd_addr,
    input logic ext_rsp_valid,
    input logic [31:0] ext_rsp_data
);
  // ------------------------------------------------------------------ constants
  localparam int WAW = $clog2(WEIGHT_WORDS);
  localparam int RAW = $clog2(WROWS);
  localparam int PAW = $clog2(POT_ROWS);
  localparam int IAW = IN_WORDS > 1 ? $clog2(IN_WORDS) : 1;
  localparam int CAW = $clog2(MAX_CHANNELS);
  localparam int THW = $clog2(MAX_FILTERS * `NPU_RM_THRESHOLDS_ENTRY_WORDS);
  localparam int SCW = $clog2(MAX_FILTERS * `NPU_RM_SCALES_ENTRY_WORDS);
  localparam int LW = LANES > 1 ? $clog2(LANES) : 1;
  localparam int MPC = KIND == `NPU_RM_TYPE_HRC ? MACS_PER_CYCLE : 1;
  localparam int DAW = DW_WORDS > 1 ? $clog2(DW_WORDS) : 1;
  localparam int XROWS = (MAX_FILTERS + LANES - 1) / LANES;  // FNP2 weight row buffer
  localparam int XAW = XROWS > 1 ? $clog2(XROWS) : 1;
  localparam int SEP_K = 7;  // separable: largest kernel side (all taps in one cycle)
`ifdef AKISIM_RTL_BUG_ROUNDING
  localparam logic BUG = 1'b1;  // test-only broken variant (Vcnp_bug): off-by-one rounding
`else
  localparam logic BUG = 1'b0;
`endif
  // layer kinds (npu_layer_type codes of LAYER.KIND)
  localparam logic [7:0] L_INPUT_CONV = 8'd1, L_CONV = 8'd2, L_SEP = 8'd3, L_FC = 8'd4;
  localparam logic [7:0] L_INPUT_CONV2D = 8'd5, L_CONV2D = 8'd6, L_DW_CONV2D = 8'd7;
  localparam logic [7:0] L_CONV2D_T = 8'd8, L_DW_CONV2D_T = 8'd9, L_DENSE1D = 8'd10;
  localparam logic [1:0] P_NONE = 2'd0, P_MAX = 2'd1, P_AVG = 2'd2;

  typedef enum logic [4:0] {
    S_UNCFG,  // not configured
    S_G1,  // geometry: convolution size, groups, cycle budget
    S_G2,  // geometry: pool padding
    S_OWN,  // ownership scan, one output column per cycle
    S_G3,  // owned / computed / needed column ranges
    S_LOAD_DW,  // separable: depthwise weight unpack, one element per cycle
    S_LOAD,  // weight unpack, one element per cycle
    S_READY,  // idle, configured
    S_XFETCH,  // FNP2: the event's weight row from external memory, one word per filter
    S_EV,  // CNP / FNP event integration
    S_LINE,  // HRC line computation
    S_PW,  // separable: pointwise stage cycles (PW_RATE channels per cycle per group)
    S_SWEEP,  // output stage over positions x groups
    S_EM_POS,  // emission: next output position
    S_EM_GATHER,  // emission: read the pool window
    S_EM_LANE,  // emission: one filter lane per cycle
    S_EM_DRAIN  // emission: wait for the last event to leave
  } state_t;
  state_t st;

  // ------------------------------------------------------------------ configuration port
  // Registers the datapath reads, decoded by offset with the generated map. Bits of words the
  // datapath does not use (IN_SIGNED, LAYER.INDEX, ...) are kept for visibility.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] r_layer, r_flags, r_in_xy, r_in_c, r_cols, r_out_xy, r_out_c, r_kernel;
  logic [31:0] r_pool, r_bits, r_filters, r_weights, r_ext_addr, r_ext_words;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0] wsram[WEIGHT_WORDS];  // WEIGHTS region as written (packed)
  logic [31:0] thr_mem[MAX_FILTERS*`NPU_RM_THRESHOLDS_ENTRY_WORDS];  // THRESHOLDS region
  logic [31:0] scl_mem[MAX_FILTERS*`NPU_RM_SCALES_ENTRY_WORDS];  // SCALES region
  logic [31:0] ish_mem[MAX_CHANNELS];  // INPUT_SHIFTS region

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      r_layer <= '0;
      r_flags <= '0;
      r_in_xy <= '0;
      r_in_c <= '0;
      r_cols <= '0;
      r_out_xy <= '0;
      r_out_c <= '0;
      r_kernel <= '0;
      r_pool <= '0;
      r_bits <= '0;
      r_filters <= '0;
      r_weights <= '0;
      r_ext_addr <= '0;
      r_ext_words <= '0;
    end else if (cfg_valid && !cfg_sram) begin
      case (cfg_offset)
        `NPU_RM_LAYER_OFFSET: r_layer <= cfg_data;
        `NPU_RM_FLAGS_OFFSET: r_flags <= cfg_data;
        `NPU_RM_IN_XY_OFFSET: r_in_xy <= cfg_data;
        `NPU_RM_IN_C_OFFSET: r_in_c <= cfg_data;
        `NPU_RM_COLS_OFFSET: r_cols <= cfg_data;
        `NPU_RM_OUT_XY_OFFSET: r_out_xy <= cfg_data;
        `NPU_RM_OUT_C_OFFSET: r_out_c <= cfg_data;
        `NPU_RM_KERNEL_OFFSET: r_kernel <= cfg_data;
        `NPU_RM_POOL_OFFSET: r_pool <= cfg_data;
        `NPU_RM_BITS_OFFSET: r_bits <= cfg_data;
        `NPU_RM_FILTERS_OFFSET: r_filters <= cfg_data;
        `NPU_RM_WEIGHTS_OFFSET: r_weights <= cfg_data;
        `NPU_RM_EXT_ADDR_OFFSET: r_ext_addr <= cfg_data;
        `NPU_RM_EXT_WORDS_OFFSET: r_ext_words <= cfg_data;
        default: ;  // routing (DEST_*) and identity words: used by the engine, not here
      endcase
    end
  end

  // a region write beyond this block's memories: the slice does not fit (cfg_err at start)
  logic ovf;
  wire ovf_now = cfg_valid && cfg_sram &&
      (32'(cfg_region) == `NPU_RM_REGION_WEIGHTS ? cfg_offset >= WEIGHT_WORDS
     : 32'(cfg_region) == `NPU_RM_REGION_THRESHOLDS ?
           cfg_offset >= MAX_FILTERS * `NPU_RM_THRESHOLDS_ENTRY_WORDS
     : 32'(cfg_region) == `NPU_RM_REGION_SCALES ?
           cfg_offset >= MAX_FILTERS * `NPU_RM_SCALES_ENTRY_WORDS
     : 32'(cfg_region) == `NPU_RM_REGION_INPUT_SHIFTS ? cfg_offset >= MAX_CHANNELS : 1'b0);
  always_ff @(posedge clk) begin
    if (!rst_n) ovf <= 1'b0;
    else if (ovf_now) ovf <= 1'b1;
  end

  always_ff @(posedge clk) begin
    if (cfg_valid && cfg_sram) begin
      case (32'(cfg_region))
        `NPU_RM_REGION_WEIGHTS:
        if (cfg_offset < WEIGHT_WORDS) wsram[cfg_offset[WAW-1:0]] <= cfg_data;
        `NPU_RM_REGION_THRESHOLDS:
        if (cfg_offset < MAX_FILTERS * `NPU_RM_THRESHOLDS_ENTRY_WORDS)
          thr_mem[cfg_offset[THW-1:0]] <= cfg_data;
        `NPU_RM_REGION_SCALES:
        if (cfg_offset < MAX_FILTERS * `NPU_RM_SCALES_ENTRY_WORDS)
          scl_mem[cfg_offset[SCW-1:0]] <= cfg_data;
        `NPU_RM_REGION_INPUT_SHIFTS:
        if (cfg_offset < MAX_CHANNELS) ish_mem[cfg_offset[CAW-1:0]] <= cfg_data;
        default: ;
      endcase
    end
  end

  // ------------------------------------------------------------------ decoded fields
  wire [7:0] l_kind = r_layer[`NPU_RM_LAYER_KIND_RANGE];
  wire v2 = r_layer[`NPU_RM_LAYER_VERSION_RANGE] == 2'd2;
  wire f_act = r_flags[`NPU_RM_FLAGS_ACTIVATION_RANGE];
  wire f_flip = r_flags[`NPU_RM_FLAGS_FLIP_RANGE];
  wire f_same = r_flags[`NPU_RM_FLAGS_PAD_SAME_RANGE];
  wire f_ish = r_flags[`NPU_RM_FLAGS_INPUT_SHIFT_RANGE];
  wire signed [31:0] in_x = 32'(r_in_xy[`NPU_RM_IN_XY_X_RANGE]);
  wire signed [31:0] in_y = 32'(r_in_xy[`NPU_RM_IN_XY_Y_RANGE]);
  wire signed [31:0] in_c = 32'(r_in_c[`NPU_RM_IN_C_C_RANGE]);
  wire signed [31:0] col_first = 32'(r_cols[`NPU_RM_COLS_FIRST_RANGE]);
  wire signed [31:0] col_count = 32'(r_cols[`NPU_RM_COLS_COUNT_RANGE]);
  wire signed [31:0] out_xd = 32'(r_out_xy[`NPU_RM_OUT_XY_X_RANGE]);
  wire signed [31:0] out_yd = 32'(r_out_xy[`NPU_RM_OUT_XY_Y_RANGE]);
  wire is_fnp = KIND == `NPU_RM_TYPE_FNP;
  // a dense layer has no kernel: 1 x 1, stride 1 (as the C decoder sets it)
  wire signed [31:0] kx = is_fnp ? 32'sd1 : 32'(r_kernel[`NPU_RM_KERNEL_KX_RANGE]);
  wire signed [31:0] ky = is_fnp ? 32'sd1 : 32'(r_kernel[`NPU_RM_KERNEL_KY_RANGE]);
  wire signed [31:0] sx = is_fnp ? 32'sd1 : 32'(r_kernel[`NPU_RM_KERNEL_SX_RANGE]);
  wire signed [31:0] sy = is_fnp ? 32'sd1 : 32'(r_kernel[`NPU_RM_KERNEL_SY_RANGE]);
  wire signed [31:0] pad_x = is_fnp ? 32'sd0 : 32'(r_kernel[`NPU_RM_KERNEL_PAD_X_RANGE]);
  wire signed [31:0] pad_y = is_fnp ? 32'sd0 : 32'(r_kernel[`NPU_RM_KERNEL_PAD_Y_RANGE]);
  wire [31:0] pad_value = KIND == `NPU_RM_TYPE_HRC ? 32'(r_kernel[`NPU_RM_KERNEL_PAD_VALUE_RANGE]) : 32'd0;
  wire [1:0] pool = is_fnp ? P_NONE : r_pool[`NPU_RM_POOL_TYPE_RANGE];
  wire signed [31:0] pool_x = 32'(r_pool[`NPU_RM_POOL_SX_RANGE]);
  wire signed [31:0] pool_y = 32'(r_pool[`NPU_RM_POOL_SY_RANGE]);
  wire signed [31:0] pool_sx = 32'(r_pool[`NPU_RM_POOL_STRIDE_X_RANGE]);
  wire signed [31:0] pool_sy = 32'(r_pool[`NPU_RM_POOL_STRIDE_Y_RANGE]);
  wire [5:0] out_bits = r_bits[`NPU_RM_BITS_OUT_RANGE];
  wire [5:0] buf_bits = r_bits[`NPU_RM_BITS_BUFFER_RANGE];
  wire [3:0] w_bits = r_bits[`NPU_RM_BITS_WEIGHTS_RANGE];
  wire signed [31:0] f_first = 32'(r_filters[`NPU_RM_FILTERS_FIRST_RANGE]);
  wire signed [31:0] f_count = 32'(r_filters[`NPU_RM_FILTERS_COUNT_RANGE]);
  wire signed [31:0] group = 32'(r_weights[`NPU_RM_WEIGHTS_GROUP_RANGE]);
  wire depthwise = l_kind == L_DW_CONV2D || l_kind == L_DW_CONV2D_T;
  wire sep = l_kind == L_SEP;  // v1 separable: fused depthwise x pointwise weights
  wire transp = l_kind == L_CONV2D_T || l_kind == L_DW_CONV2D_T;  // out = in * s + t - pad
  wire ext = is_fnp && r_ext_words != 32'd0;  // FNP2: weights in external memory
  wire [31:0] pw_off = 32'(r_weights[`NPU_RM_WEIGHTS_PW_OFFSET_RANGE]);

  // ------------------------------------------------------------------ derived geometry
  // Geometry and addresses are 32-bit signed and truncated to the memory address widths, so
  // their high bits are unused by design.
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [31:0] conv_x, conv_y;  // convolution output dims (before pooling)
  logic signed [31:0] ppx, ppy;  // pool padding before
  logic signed [31:0] n_groups;  // filter groups G = ceil(f_count / LANES)
  logic signed [31:0] ocf, occ;  // owned output columns
  logic signed [31:0] ccf, ccc;  // computed convolution columns
  logic signed [31:0] nf, nc;  // needed input columns
  logic signed [31:0] n_rows;  // potential rows used = P * G
  logic signed [31:0] ev_total;  // cycles per event
  logic signed [31:0] ev_cyc;  // cycles per event per group
  logic signed [31:0] own_x, own_first, own_last, own_clo, own_chi;  // ownership scan

  function automatic signed [31:0] clamp(input signed [31:0] v, input signed [31:0] lo,
                                         input signed [31:0] hi);
    return v < lo ? lo : (v > hi ? hi : v);
  endfunction

  function automatic signed [31:0] kcycles(input signed [31:0] k);
    case (k)
      32'sd1: return EV_CYC_1;
      32'sd2: return EV_CYC_2;
      32'sd3: return EV_CYC_3;
      32'sd4: return EV_CYC_4;
      32'sd5: return EV_CYC_5;
      32'sd6: return EV_CYC_6;
      default: return EV_CYC_7;
    endcase
  endfunction

  function automatic signed [31:0] floor_div(input signed [31:0] a, input signed [31:0] b);
    return a / b - ((a % b != 0 && a < 0) ? 32'sd1 : 32'sd0);  // b > 0
  endfunction

  wire kind_ok = KIND == `NPU_RM_TYPE_CNP ? (l_kind == L_CONV || l_kind == L_CONV2D || depthwise ||
                                             sep || l_kind == L_CONV2D_T)
               : KIND == `NPU_RM_TYPE_HRC ? (l_kind == L_INPUT_CONV || l_kind == L_INPUT_CONV2D)
               : (l_kind == L_FC || l_kind == L_DENSE1D);
  wire signed [31:0] kmax = is_fnp ? 32'sd1 : (kx > ky ? kx : ky);
  wire signed [31:0] ev_groups = depthwise ? 32'sd1 : (f_count + LANES - 1) / LANES;

  // ownership scan of output column own_x (np_geom.c anchor rule)
  wire signed [31:0] o_s = own_x * pool_sx - ppx;
  wire signed [31:0] o_wlo = pool == P_MAX ? clamp(o_s, 0, conv_x - 1)
                           : pool == P_AVG ? 32'sd0 : own_x;
  wire signed [31:0] o_whi = pool == P_MAX ? clamp(o_s + pool_x - 1, -1, conv_x - 1)
                           : pool == P_AVG ? conv_x - 1 : own_x;
  // receptive input range of convolution column ox (np_geom_receptive)
  function automatic signed [31:0] rec_lo(input signed [31:0] ox);
    return transp ? -floor_div(-(ox + pad_x - kx + 1), sx) : ox * sx - pad_x;
  endfunction
  function automatic signed [31:0] rec_hi(input signed [31:0] ox);
    return transp ? floor_div(ox + pad_x, sx) : ox * sx - pad_x + kx - 1;
  endfunction
  wire signed [31:0] o_anchor = is_fnp ? 32'sd0 : clamp(rec_lo(o_wlo), 0, in_x - 1);
  wire o_owned = o_anchor >= col_first && o_anchor < col_first + col_count;
  wire signed [31:0] o_rlo = clamp(rec_lo(own_clo), 0, in_x - 1);
  wire signed [31:0] o_rhi = clamp(rec_hi(own_chi), 0, in_x - 1);
  wire signed [31:0] nc_calc = o_rhi >= o_rlo ? o_rhi - o_rlo + 1 : 0;  // need columns
  wire signed [31:0] pool_out_x = (conv_x + pool_sx - 1) / pool_sx;
  wire signed [31:0] pool_out_y = (conv_y + pool_sy - 1) / pool_sy;
  wire signed [31:0] ppx_tot = (pool_out_x - 1) * pool_sx + pool_x - conv_x;
  wire signed [31:0] ppy_tot = (pool_out_y - 1) * pool_sy + pool_y - conv_y;

  // ------------------------------------------------------------------ weight unpack state
  // The packed stream (npu/np/np_config.c unpack_main): filter-major [f][GROUP] elements;
  // separable: depthwise [c][kx][ky] from word 0, pointwise [f][c] from word PW_OFFSET.
  logic signed [31:0] ld_f, ld_r, ld_i;  // filter, element in filter, element index in phase
  logic [LANES*8-1:0] wmem[WROWS];  // unpacked weights: row = group * GROUP + element
  logic [7:0] dwmem[DW_WORDS];  // separable depthwise weights [c * kx * ky + tap]
  wire [4:0] ld_lg = w_bits == 4'd1 ? 5'd5 : w_bits == 4'd2 ? 5'd4 : w_bits == 4'd4 ? 5'd3 : 5'd2;
  wire signed [31:0] ld_grp = sep ? in_c : group;  // elements per filter in this phase
  wire signed [31:0] ld_s = (st == S_LOAD && sep ? $signed(pw_off << ld_lg) : 32'sd0) + ld_i;
  wire [31:0] ld_word = wsram[WAW'(ld_s >>> ld_lg)];
  // element `pos` of a packed word: b-bit two's complement (b = 1: unsigned {0, 1})
  function automatic [7:0] unpack_elem(input [31:0] word, input [31:0] pos, input [3:0] b);
    logic [31:0] raw;
    raw = (word >> (pos * 32'(b))) & ((32'd1 << b) - 32'd1);
    return b == 4'd1 ? raw[7:0] : 8'($signed(raw << (6'd32 - 6'(b))) >>> (6'd32 - 6'(b)));
  endfunction
  wire [7:0] ld_elem = unpack_elem(ld_word, 32'(ld_s) & ((32'd1 << ld_lg) - 32'd1), w_bits);
  wire signed [31:0] ld_row = (ld_f / LANES) * ld_grp + ld_r;
  wire signed [31:0] ld_lane = ld_f % LANES;
  always_ff @(posedge clk) begin
    if (st == S_LOAD) wmem[RAW'(ld_row)][ld_lane*8+:8] <= ld_elem;
    if (st == S_LOAD_DW) dwmem[DAW'(ld_i)] <= ld_elem;
  end

  // ------------------------------------------------------------------ arithmetic (npu/np)
  function automatic signed [63:0] sx64(input [31:0] v);  // sign-extend 32 -> 64
    return $signed({{32{v[31]}}, v});
  endfunction
  function automatic [31:0] sx32w(input [7:0] w);  // sign-extend a weight 8 -> 32
    return {{24{w[7]}}, w};
  endfunction
  function automatic signed [63:0] sat_signed(input signed [63:0] v, input [5:0] bits);
    logic signed [63:0] hi, lo;
    hi = (64'sd1 <<< (bits - 6'd1)) - 64'sd1;
    lo = -hi - 64'sd1;
    return v < lo ? lo : (v > hi ? hi : v);
  endfunction

  // v2: wrap to buffer_bits, + (bias << bias_shift), saturate to buffer_bits (np_v2_bias)
  function automatic signed [31:0] v2_bias(input [31:0] acc, input [5:0] bb,
                                           input signed [31:0] bias, input [7:0] bsh);
    logic signed [31:0] w;
    logic signed [63:0] x;
    w = $signed(acc << (6'd32 - bb)) >>> (6'd32 - bb);
    x = sx64(w) + (sx64(bias) <<< bsh);
    return 32'(sat_signed(x, bb));
  endfunction

  // output stage of one value (np_output_value): v1 activation, v2 ReLU/scale/shift/saturate
  function automatic [31:0] out_stage(input signed [63:0] v, input is_v2, input act,
                                      input [5:0] bits, input signed [31:0] thr,
                                      input signed [31:0] step, input [31:0] scale,
                                      input signed [7:0] osh);
    logic signed [63:0] d, n, top, vr, m, r, hi;
    logic [5:0] sh;
    if (!is_v2) begin
      if (!act) return v[31:0];
      if (v <= sx64(thr)) return 32'd0;
      top = bits >= 6'd31 ? 64'sh7fffffff : (64'sd1 <<< bits) - 64'sd1;
      d = v - sx64(thr);
      // ceil(d / step); the broken variant (BUG) counts one level too many when step | d
      n = (BUG ? d : d - 64'sd1) / sx64(step) + 64'sd1;
      return n < top ? n[31:0] : top[31:0];
    end
    vr = act && v < 0 ? 64'sd0 : v;
    m = vr * $signed({32'd0, scale});  // |v| < 2^32, scale < 2^31: no overflow
    if (osh > 0) begin  // right shift rounding half up
      // (the broken variant (BUG) always rounds up: off by one when the half bit is 0)
      r = (m >>> osh) + (BUG ? 64'sd1 : $signed({63'd0, m[6'(osh-8'sd1)]}));
    end else if (osh < 0) begin  // left shift saturating to int64 (npu_shift_round)
      sh = 6'(-osh);
      if (m > (64'sh7fffffffffffffff >>> sh)) r = 64'sh7fffffffffffffff;
      else if (m < (64'sh8000000000000000 >>> sh)) r = 64'sh8000000000000000;
      else r = m <<< sh;
    end else r = m;
    if (act) begin  // unsigned output range
      hi = (64'sd1 <<< bits) - 64'sd1;
      r  = r < 0 ? 64'sd0 : (r > hi ? hi : r);
    end else begin
      hi = (64'sd1 <<< (bits - 6'd1)) - 64'sd1;
      r  = r < -hi - 64'sd1 ? -hi - 64'sd1 : (r > hi ? hi : r);
    end
    return r[31:0];
  endfunction

  // per-filter parameters of local filter f
  function automatic [31:0] thr_of(input signed [31:0] f);
    return thr_mem[THW'(f*`NPU_RM_THRESHOLDS_ENTRY_WORDS+`NPU_RM_THRESHOLDS_THRESHOLD_OFFSET)];
  endfunction
  function automatic [31:0] step_of(input signed [31:0] f);
    return thr_mem[THW'(f*`NPU_RM_THRESHOLDS_ENTRY_WORDS+`NPU_RM_THRESHOLDS_STEP_OFFSET)];
  endfunction
  function automatic [31:0] scl_of(input signed [31:0] f, input int word);
    return scl_mem[SCW'(f*`NPU_RM_SCALES_ENTRY_WORDS+word)];
  endfunction
  function automatic [`NPU_RM_SCALES_SHIFTS_OUTPUT_SHIFT_WIDTH-1:0] osh_of(input [31:0] sh);
    return sh[`NPU_RM_SCALES_SHIFTS_OUTPUT_SHIFT_RANGE];
  endfunction
  function automatic [`NPU_RM_SCALES_SHIFTS_BIAS_SHIFT_WIDTH-1:0] bsh_of(input [31:0] sh);
    return sh[`NPU_RM_SCALES_SHIFTS_BIAS_SHIFT_RANGE];
  endfunction
  function automatic [31:0] out_of(input signed [63:0] v, input signed [31:0] f);
    return out_stage(v, v2, f_act, out_bits, thr_of(f), step_of(f),
                     scl_of(f, `NPU_RM_SCALES_SCALE_OFFSET),
                     osh_of(scl_of(f, `NPU_RM_SCALES_SHIFTS_OFFSET)));
  endfunction
  function automatic [31:0] bias_of(input [31:0] acc, input signed [31:0] f);
    return v2_bias(acc, buf_bits, scl_of(f, `NPU_RM_SCALES_BIAS_OFFSET),
                   bsh_of(scl_of(f, `NPU_RM_SCALES_SHIFTS_OFFSET)));
  endfunction

  // ------------------------------------------------------------------ potentials
  logic [LANES*32-1:0] pot[POT_ROWS];  // row = position * G + group, LANES filters
  logic [POT_ROWS-1:0] pvalid;  // row written this frame (else reads as 0)

  // ------------------------------------------------------------------ event latch (CNP/FNP)
  logic [15:0] e_x, e_y;
  logic [31:0] e_c, e_v;  // channel, value after input shift
  logic signed [31:0] e_cnt, e_g, e_sub, e_tx, e_ty;  // cycle, group, cycle in group, tap
  wire [31:0] ev_ish_w = ish_mem[CAW'(ev_c)];
  wire [`NPU_RM_INPUT_SHIFTS_SHIFT_VALUE_WIDTH-1:0] ev_ish =
      ev_ish_w[`NPU_RM_INPUT_SHIFTS_SHIFT_VALUE_RANGE];
  wire [31:0] ev_v = v2 && f_ish ? ev_value << ev_ish : ev_value;
  wire signed [31:0] ev_xs = 32'(ev_x), ev_ys = 32'(ev_y), ev_cs = $signed(ev_c);
  wire ev_in = ev_xs >= nf && ev_xs < nf + nc && ev_ys < in_y && ev_c < 32'(in_c) &&
               (!depthwise || (ev_cs >= f_first && ev_cs < f_first + f_count)) &&
               (!is_fnp || occ > 0);
  wire e_last = e_cnt == ev_total - 1;
  assign ev_ready = st == S_READY || st == S_UNCFG || (st == S_EV && e_last);
  wire ev_take = ev_valid && ev_ready && st != S_UNCFG && ev_in;

  // one tap of the current event (CNP) / one group row (FNP)
  // forward: o * s = i + pad - t; transposed: o = i * s + t - pad (stride already applied)
  wire tap_on = st == S_EV && !sep && e_cnt >= EV_OVERHEAD && e_sub < kx * ky;
  // separable: every tap of the event in the first cycle of each filter group's SEP_EV
  wire sep_on = st == S_EV && sep && e_cnt >= EV_OVERHEAD && e_sub == 0 && e_g < n_groups;
  // separable: the event's pointwise weight-row streaming, SEP_RATE channels per cycle
  // continuing across events (sep_res channels already paid): ceil over the frame, exactly
  // the formula's ceil(n * G * in.c / rate)
  logic signed [31:0] sep_res;  // streaming capacity left from the previous event
  wire signed [31:0] sep_need = n_groups * in_c;
  wire signed [31:0] sep_cyc = SEP_RATE == 0 || sep_need <= sep_res ? 32'sd0
                             : (sep_need - sep_res + SEP_RATE - 1) / SEP_RATE;
  wire signed [31:0] sep_res_next = SEP_RATE == 0 ? 32'sd0 : sep_res + sep_cyc * SEP_RATE - sep_need;
  wire signed [31:0] t_dx = transp ? 32'(e_x) * sx + e_tx - pad_x : 32'(e_x) + pad_x - e_tx;
  wire signed [31:0] t_dy = transp ? 32'(e_y) * sy + e_ty - pad_y : 32'(e_y) + pad_y - e_ty;
  wire signed [31:0] t_sx = transp ? 32'sd1 : sx, t_sy = transp ? 32'sd1 : sy;
  wire signed [31:0] t_ox = t_dx / t_sx, t_oy = t_dy / t_sy;
  wire t_hit = is_fnp ? e_sub == 0 :
      t_dx >= 0 && t_dx % t_sx == 0 && t_ox >= ccf && t_ox < ccf + ccc &&
      t_dy >= 0 && t_dy % t_sy == 0 && t_oy < conv_y;
  wire signed [31:0] t_wtx = f_flip ? kx - 1 - e_tx : e_tx, t_wty = f_flip ? ky - 1 - e_ty : e_ty;
  wire signed [31:0] t_dwf = $signed(e_c) - f_first;  // depthwise: local filter
  wire signed [31:0] t_grp = depthwise ? t_dwf / LANES : e_g;
  wire signed [31:0] t_flat = (32'(e_x) * in_y + 32'(e_y)) * in_c + $signed(e_c);
  wire signed [31:0] t_tap = t_wtx * ky + t_wty;  // weight tap index [kx][ky]
  wire signed [31:0] t_wrow = sep ? t_grp * in_c + $signed(e_c)  // pointwise row
                            : t_grp * group + (is_fnp ? t_flat
                            : depthwise ? t_tap : t_tap * in_c + $signed(e_c));
  // separable: the event times its channel's depthwise weight, then x pointwise weights
  wire [31:0] t_dwv = e_v * sx32w(dwmem[DAW'($signed(e_c) * kx * ky + t_tap)]);
  wire [31:0] t_mul = sep ? t_dwv : e_v;
  // separable: the K taps of this event and group (kx, ky <= SEP_K), all in one cycle
  logic [SEP_K*SEP_K-1:0] sp_hit;
  logic signed [31:0] sp_row[SEP_K*SEP_K];
  logic [31:0] sp_dv[SEP_K*SEP_K];  // event value x depthwise weight of the tap
  always_comb begin
    logic signed [31:0] dx, dy, wtx, wty;
    for (int tx = 0; tx < SEP_K; tx++) begin
      for (int ty = 0; ty < SEP_K; ty++) begin
        dx = 32'(e_x) + pad_x - tx;
        dy = 32'(e_y) + pad_y - ty;
        wtx = f_flip ? kx - 1 - tx : tx;
        wty = f_flip ? ky - 1 - ty : ty;
        sp_hit[tx*SEP_K+ty] = tx < kx && ty < ky && dx >= 0 && dx % sx == 0 &&
            dx / sx >= ccf && dx / sx < ccf + ccc && dy >= 0 && dy % sy == 0 && dy / sy < conv_y;
        sp_row[tx*SEP_K+ty] = ((dx / sx - ccf) * conv_y + dy / sy) * n_groups + e_g;
        sp_dv[tx*SEP_K+ty] = e_v * sx32w(dwmem[DAW'($signed(e_c) * kx * ky + wtx * ky + wty)]);
      end
    end
  end
  wire [LANES*8-1:0] sp_w = wmem[RAW'(e_g * in_c + $signed(e_c))];  // pointwise row

  // FNP2: the event's weight row of this group, fetched from external memory (S_XFETCH)
  logic [LANES*8-1:0] xrow[XROWS];
  wire signed [31:0] t_prow = is_fnp ? e_g : ((t_ox - ccf) * conv_y + t_oy) * n_groups + t_grp;
  logic [LANES*32-1:0] t_new;  // updated potential row
  always_comb begin
    logic [LANES*32-1:0] cur;
    logic [LANES*8-1:0] w;
    cur = pvalid[PAW'(t_prow)] ? pot[PAW'(t_prow)] : '0;
    w = ext ? xrow[XAW'(e_g)] : wmem[RAW'(t_wrow)];
    t_new = cur;
    for (int l = 0; l < LANES; l++) begin
      if (!depthwise || l == t_dwf % LANES)
        t_new[l*32+:32] = cur[l*32+:32] + t_mul * sx32w(w[l*8+:8]);
    end
  end

  // ------------------------------------------------------------------ FNP2 weight fetch
  // One read per filter of the slice: element f * GROUP + flat index of the stream at
  // EXT_ADDR; one request outstanding at a time. Fetch cycles are stall, not busy (the engine
  // times external memory with its own model, npu_cost.h).
  logic signed [31:0] xf_f;  // filter being fetched
  logic xf_wait;  // request accepted, waiting for its response
  wire signed [31:0] xf_s = xf_f * group + t_flat;  // stream element
  assign ext_rd_valid = st == S_XFETCH && !xf_wait;
  assign ext_rd_addr = r_ext_addr + 32'((xf_s >>> ld_lg) << 2);
  wire xf_got = st == S_XFETCH && xf_wait && ext_rsp_valid;
  always_ff @(posedge clk) begin
    if (xf_got)
      xrow[XAW'(xf_f/LANES)][(xf_f%LANES)*8+:8] <=
          unpack_elem(ext_rsp_data, 32'(xf_s) & ((32'd1 << ld_lg) - 32'd1), w_bits);
  end

  // ------------------------------------------------------------------ HRC line engine
  logic [31:0] ibuf[IN_WORDS];  // input pixels of the need columns [x - nf][y][c]
  logic signed [31:0] ln_first, ln_m, ln_cnt;  // first column, MACs, MACs done
  logic signed [31:0] ln_ci, ln_oy, ln_tx, ln_ty, ln_c, ln_f;  // flat position of MAC ln_cnt
  wire signed [31:0] h_e0 = kx - 1 - pad_x;  // column ox completes at clamp(ox*sx + h_e0)
  function automatic signed [31:0] cnt_le(input signed [31:0] x);  // columns done by line x
    logic signed [31:0] q, hi;
    if (x >= nf + nc - 1) return ccc;
    if (x < nf || x - h_e0 < 0) return 0;
    q = (x - h_e0) / sx;
    hi = q < ccf + ccc - 1 ? q : ccf + ccc - 1;
    return hi >= ccf ? hi - ccf + 1 : 0;
  endfunction
  wire signed [31:0] h_lo = cnt_le(ev_xs - 1), h_hi = cnt_le(ev_xs);
  wire signed [31:0] h_m = (h_hi - h_lo) * conv_y * kx * ky * in_c * f_count;
  wire h_line_end = ev_ys == in_y - 1 && ev_cs == in_c - 1;
  // the MACS_PER_CYCLE MACs of this cycle (flat order col, oy, tx, ty, c, f)
  logic [MPC-1:0] h_en;
  logic signed [31:0] h_prow[MPC];
  logic signed [31:0] h_lane[MPC];
  logic [31:0] h_prod[MPC];
  logic signed [31:0] h_nci, h_noy, h_ntx, h_nty, h_nc, h_nf;
  always_comb begin
    logic signed [31:0] ci, oy, tx, ty, c, f, ox, ix, iy, wtx, wty;
    logic [31:0] pix;
    logic [LANES*8-1:0] wr;
    {ci, oy, tx, ty, c, f} = {ln_ci, ln_oy, ln_tx, ln_ty, ln_c, ln_f};
    for (int l = 0; l < MPC; l++) begin
      h_en[l] = ln_cnt + l < ln_m;
      ox = ln_first + ci;
      ix = ox * sx - pad_x + tx;
      iy = oy * sy - pad_y + ty;
      pix = ix >= 0 && ix < in_x && iy >= 0 && iy < in_y
          ? ibuf[IAW'(((ix - nf) * in_y + iy) * in_c + c)] : pad_value;
      wtx = f_flip ? kx - 1 - tx : tx;
      wty = f_flip ? ky - 1 - ty : ty;
      wr = wmem[RAW'((f / LANES) * group + (wtx * ky + wty) * in_c + c)];
      h_prod[l] = pix * sx32w(wr[(f%LANES)*8+:8]);
      h_prow[l] = ((ox - ccf) * conv_y + oy) * n_groups + f / LANES;
      h_lane[l] = f % LANES;
      // next flat index
      f = f + 1;
      if (f == f_count) begin
        f = 0;
        c = c + 1;
        if (c == in_c) begin
          c  = 0;
          ty = ty + 1;
          if (ty == ky) begin
            ty = 0;
            tx = tx + 1;
            if (tx == kx) begin
              tx = 0;
              oy = oy + 1;
              if (oy == conv_y) begin
                oy = 0;
                ci = ci + 1;
              end
            end
          end
        end
      end
    end
    {h_nci, h_noy, h_ntx, h_nty, h_nc, h_nf} = {ci, oy, tx, ty, c, f};
  end

  // ------------------------------------------------------------------ output stage state
  logic signed [31:0] sw_row, sw_sub;  // sweep row, cycle in row
  logic signed [31:0] pw_cnt;  // separable pointwise stage: channel steps done
  logic signed [31:0] em_x, em_y, em_g, em_l;  // output position, group, lane
  logic signed [31:0] wx, wy, wx_hi, wy_lo, wy_hi;  // pool window walk
  logic signed [63:0] acc[LANES];  // window max / global sum per lane
  // sweep: v2 bias/saturation, then (except global pooling) the output stage, per lane
  logic [LANES*32-1:0] sw_new;
  always_comb begin
    logic [LANES*32-1:0] cur;
    logic signed [31:0] f, v;
    cur = pvalid[PAW'(sw_row)] ? pot[PAW'(sw_row)] : '0;
    for (int l = 0; l < LANES; l++) begin
      f = (sw_row % n_groups) * LANES + l;
      v = $signed(cur[l*32+:32]);
      if (f < f_count) begin
        if (v2) v = $signed(bias_of(cur[l*32+:32], f));
        if (pool != P_AVG) v = $signed(out_of(sx64(v), f));
      end
      sw_new[l*32+:32] = v;
    end
  end
  wire signed [31:0] g_row = ((wx - ccf) * conv_y + wy) * n_groups + em_g;
  wire [LANES*32-1:0] g_val = pvalid[PAW'(g_row)] ? pot[PAW'(g_row)] : '0;
  wire signed [31:0] em_f = em_g * LANES + em_l;
  wire signed [63:0] em_acc = acc[LW'(em_l)];
  wire [31:0] em_val = pool == P_AVG ? out_of(v2 ? sat_signed(em_acc, buf_bits) : em_acc, em_f)
                                     : em_acc[31:0];
  wire em_lane_last = em_l == LANES - 1 || em_f + 1 >= f_count;
  wire em_slot = !out_valid || out_ready;  // the output register can take an event
  wire em_emit = st == S_EM_LANE && em_f < f_count && em_val != 0;
  wire em_adv = st == S_EM_LANE && (!em_emit || em_slot);  // lane done this cycle

  /* verilator lint_on UNUSEDSIGNAL */

  // ------------------------------------------------------------------ potentials datapath
  // One process owns the potential memory. The HRC's MACS_PER_CYCLE MACs may hit the same
  // row in one cycle (an adder tree per row in synthesis): they are applied one after the
  // other with blocking read-modify-write, hence the localised BLKSEQ waiver.
  /* verilator lint_off BLKSEQ */
  always @(posedge clk) begin
    logic [LANES*32-1:0] row;
    if (frame_start && (st == S_READY || st == S_UNCFG)) pvalid = '0;
    else if (st == S_EM_DRAIN && em_slot) pvalid = '0;
    else if (st == S_EV && tap_on && t_hit) begin
      pot[PAW'(t_prow)] = t_new;
      pvalid[PAW'(t_prow)] = 1'b1;
    end else if (sep_on) begin
      for (int k = 0; k < SEP_K * SEP_K; k++) begin
        if (sp_hit[k]) begin
          row = pvalid[PAW'(sp_row[k])] ? pot[PAW'(sp_row[k])] : '0;
          for (int l = 0; l < LANES; l++)
            row[l*32+:32] = row[l*32+:32] + sp_dv[k] * sx32w(sp_w[l*8+:8]);
          pot[PAW'(sp_row[k])] = row;
          pvalid[PAW'(sp_row[k])] = 1'b1;
        end
      end
    end else if (st == S_SWEEP && sw_sub == 0) begin
      pot[PAW'(sw_row)] = sw_new;
      pvalid[PAW'(sw_row)] = 1'b1;
    end else if (st == S_LINE) begin
      for (int l = 0; l < MPC; l++) begin
        if (h_en[l]) begin
          row = pvalid[PAW'(h_prow[l])] ? pot[PAW'(h_prow[l])] : '0;
          row[h_lane[l]*32+:32] = row[h_lane[l]*32+:32] + h_prod[l];
          pot[PAW'(h_prow[l])] = row;
          pvalid[PAW'(h_prow[l])] = 1'b1;
        end
      end
    end
  end
  /* verilator lint_on BLKSEQ */

  // HRC input line buffer
  always_ff @(posedge clk) begin
    if (KIND == `NPU_RM_TYPE_HRC && st == S_READY && ev_take)
      ibuf[IAW'(((ev_xs - nf) * in_y + ev_ys) * in_c + ev_cs)] <= ev_v;
  end

  // ------------------------------------------------------------------ control FSM
  assign idle = st == S_READY || st == S_UNCFG;
  assign cfg_done = st != S_UNCFG && st != S_G1 && st != S_G2 && st != S_OWN && st != S_G3 &&
                    st != S_LOAD;

  always_ff @(posedge clk) begin
    done <= 1'b0;
    if (out_valid && out_ready) out_valid <= 1'b0;
    // busy: the cycles of the cost formulas; stall: the rest (emission, external memory, an
    // output sweep the calibration gives 0 cycles)
    if (st == S_EV || st == S_LINE || st == S_PW || (st == S_SWEEP && OUT_CYCLES > 0))
      cyc_busy <= cyc_busy + 64'd1;
    if (st == S_EM_POS || st == S_EM_GATHER || st == S_EM_LANE || st == S_EM_DRAIN ||
        st == S_XFETCH || (st == S_SWEEP && OUT_CYCLES == 0))
      cyc_stall <= cyc_stall + 64'd1;
    if (!rst_n) begin
      st <= S_UNCFG;
      cfg_err <= 1'b0;
      out_valid <= 1'b0;
      cyc_busy <= '0;
      cyc_stall <= '0;
    end else if (cfg_start) begin
      st <= S_G1;
      cfg_err <= 1'b0;
      cyc_busy <= '0;
      cyc_stall <= '0;
    end else if (cfg_valid) begin
      st <= S_UNCFG;  // a write invalidates the configuration
    end else begin
      case (st)
        S_UNCFG: ;
        S_G1: begin
          if (transp) begin
            conv_x <= in_x * sx;
            conv_y <= in_y * sy;
          end else if (!is_fnp && !f_same) begin
            conv_x <= (in_x - kx) / sx + 1;
            conv_y <= (in_y - ky) / sy + 1;
          end else begin
            conv_x <= is_fnp ? 32'sd1 : (in_x + sx - 1) / sx;
            conv_y <= is_fnp ? 32'sd1 : (in_y + sy - 1) / sy;
          end
          n_groups <= (f_count + LANES - 1) / LANES;
          ev_cyc <= sep ? SEP_EV : kcycles(kmax > 7 ? 32'sd7 : kmax);
          if (!kind_ok || f_count < 1 || ovf || f_count > MAX_FILTERS ||
              (!ext && ((f_count + LANES - 1) / LANES) * (sep ? in_c : group) > WROWS) ||
              (sep && (in_c * kx * ky > DW_WORDS || kx > SEP_K || ky > SEP_K)) ||
              (KIND == `NPU_RM_TYPE_CNP && !sep &&
               kx * ky > kcycles(kmax > 7 ? 32'sd7 : kmax))) begin
            cfg_err <= 1'b1;
            st <= S_UNCFG;
          end else st <= S_G2;
        end
        S_G2: begin
          ppx <= pool == P_MAX && f_same && ppx_tot > 0 ? ppx_tot / 2 : 0;
          ppy <= pool == P_MAX && f_same && ppy_tot > 0 ? ppy_tot / 2 : 0;
          ev_total <= EV_OVERHEAD + ev_groups * ev_cyc;
          sep_res <= '0;
          own_x <= 0;
          own_first <= -1;
          own_last <= -1;
          st <= S_OWN;
        end
        S_OWN: begin
          if (o_owned) begin
            if (own_first < 0) begin
              own_first <= own_x;
              own_clo <= is_fnp ? 32'sd0 : o_wlo;
            end
            own_last <= own_x;
            own_chi <= is_fnp ? 32'sd0 : o_whi;
          end
          own_x <= own_x + 1;
          if (own_x + 1 >= out_xd) st <= S_G3;
        end
        S_G3: begin
          if (own_first < 0) begin
            {ocf, occ, ccf, ccc, nf, nc} <= '0;
          end else begin
            ocf <= own_first;
            occ <= own_last - own_first + 1;
            ccf <= own_clo;
            ccc <= own_chi - own_clo + 1;
            nf  <= is_fnp ? 32'sd0 : o_rlo;
            nc  <= is_fnp ? in_x : (o_rhi >= o_rlo ? o_rhi - o_rlo + 1 : 0);
          end
          n_rows <= (own_chi - own_clo + 1) * conv_y * n_groups;
          {ld_f, ld_r, ld_i} <= '0;
          st <= ext ? S_READY : sep ? S_LOAD_DW : S_LOAD;
          if (own_first >= 0 && (own_chi - own_clo + 1) * conv_y * n_groups > POT_ROWS) begin
            cfg_err <= 1'b1;  // potentials of the slice do not fit
            st <= S_UNCFG;
          end
          if (KIND == `NPU_RM_TYPE_HRC && own_first >= 0 && nc_calc * in_y * in_c > IN_WORDS) begin
            cfg_err <= 1'b1;  // line buffer too small
            st <= S_UNCFG;
          end
        end
        S_LOAD_DW: begin
          ld_i <= ld_i + 1;
          if (ld_i + 1 >= in_c * kx * ky) begin
            ld_i <= 0;
            st <= S_LOAD;
          end
        end
        S_LOAD: begin
          ld_i <= ld_i + 1;
          if (ld_r + 1 < ld_grp) ld_r <= ld_r + 1;
          else begin
            ld_r <= 0;
            ld_f <= ld_f + 1;
          end
          if (ld_i + 1 >= f_count * ld_grp) st <= S_READY;
        end
        S_READY, S_EV: begin
          if (st == S_EV) begin  // advance the event counters
            e_cnt <= e_cnt + 1;
            if (e_cnt >= EV_OVERHEAD) begin
              if (e_sub < kx * ky) begin
                if (e_ty + 1 < ky) e_ty <= e_ty + 1;
                else begin
                  e_ty <= 0;
                  e_tx <= e_tx + 1;
                end
              end
              if (e_sub + 1 < ev_cyc) e_sub <= e_sub + 1;
              else begin
                e_sub <= 0;
                e_g <= e_g + 1;
                e_tx <= 0;
                e_ty <= 0;
              end
            end
            if (e_last) st <= S_READY;
          end
          if (st == S_READY && frame_start) begin
            cyc_busy  <= '0;
            cyc_stall <= '0;
            sep_res   <= '0;
          end else if (st == S_READY && frame_end) begin
            {sw_row, sw_sub, pw_cnt} <= '0;
            st <= occ > 0 ? (sep ? S_PW : S_SWEEP) : S_EM_DRAIN;
          end else if (ev_take && KIND == `NPU_RM_TYPE_HRC) begin
            if (h_line_end && h_m > 0) begin
              ln_first <= ccf + h_lo;
              ln_m <= h_m;
              {ln_cnt, ln_ci, ln_oy, ln_tx, ln_ty, ln_c, ln_f} <= '0;
              st <= S_LINE;
            end
          end else if (ev_take) begin
            {e_x, e_y, e_c, e_v} <= {ev_x, ev_y, ev_c, ev_v};
            {e_cnt, e_g, e_sub, e_tx, e_ty, xf_f} <= '0;
            xf_wait <= 1'b0;
            if (sep) begin  // fused update of every group, then the weight-row streaming
              ev_total <= EV_OVERHEAD + n_groups * SEP_EV + sep_cyc;
              sep_res  <= sep_res_next;
            end
            st <= ext ? S_XFETCH : S_EV;
          end
        end
        S_XFETCH: begin
          if (ext_rd_valid && ext_rd_ready) xf_wait <= 1'b1;
          if (xf_got) begin
            xf_wait <= 1'b0;
            xf_f <= xf_f + 1;
            if (xf_f + 1 >= f_count) st <= S_EV;
          end
        end
        S_PW: begin  // pointwise stage: P x G x in.c channel steps, PW_RATE per cycle
          pw_cnt <= pw_cnt + PW_RATE;
          if (pw_cnt + PW_RATE >= n_rows * in_c) st <= S_SWEEP;
        end
        S_LINE: begin
          ln_cnt <= ln_cnt + MPC;
          {ln_ci, ln_oy, ln_tx, ln_ty, ln_c, ln_f} <= {h_nci, h_noy, h_ntx, h_nty, h_nc, h_nf};
          if (ln_cnt + MPC >= ln_m) st <= S_READY;
        end
        S_SWEEP: begin
          if (sw_sub + 1 < OUT_CYCLES) sw_sub <= sw_sub + 1;
          else begin
            sw_sub <= 0;
            sw_row <= sw_row + 1;
            if (sw_row + 1 >= n_rows) begin
              em_x <= pool == P_AVG ? 32'sd0 : ocf;
              {em_y, em_g} <= '0;
              st <= S_EM_POS;
            end
          end
        end
        S_EM_POS: begin  // pool window of output (em_x, em_y)
          if (pool == P_MAX) begin
            wx <= clamp(em_x * pool_sx - ppx, 0, conv_x - 1);
            wx_hi <= clamp(em_x * pool_sx - ppx + pool_x - 1, -1, conv_x - 1);
            wy <= em_y * pool_sy - ppy < 0 ? 32'sd0 : em_y * pool_sy - ppy;
            wy_lo <= em_y * pool_sy - ppy < 0 ? 32'sd0 : em_y * pool_sy - ppy;
            wy_hi <= (em_y * pool_sy - ppy + pool_y > conv_y ? conv_y
                      : em_y * pool_sy - ppy + pool_y) - 1;
          end else if (pool == P_AVG) begin
            {wx, wy, wy_lo} <= {ccf, 32'sd0, 32'sd0};
            wx_hi <= ccf + ccc - 1;
            wy_hi <= conv_y - 1;
          end else begin
            {wx, wx_hi, wy, wy_lo, wy_hi} <= {em_x, em_x, em_y, em_y, em_y};
          end
          for (int l = 0; l < LANES; l++) acc[l] <= pool == P_MAX ? -64'sh80000000 : 64'sd0;
          st <= S_EM_GATHER;
        end
        S_EM_GATHER: begin
          for (int l = 0; l < LANES; l++) begin
            if (pool == P_MAX) begin
              if (sx64(g_val[l*32+:32]) > acc[l]) acc[l] <= sx64(g_val[l*32+:32]);
            end else acc[l] <= acc[l] + sx64(g_val[l*32+:32]);
          end
          if (wy < wy_hi) wy <= wy + 1;
          else begin
            wy <= wy_lo;
            wx <= wx + 1;
            if (wx >= wx_hi) begin
              em_l <= 0;
              st <= S_EM_LANE;
            end
          end
        end
        S_EM_LANE: begin
          if (em_emit && em_slot) begin
            out_valid <= 1'b1;
            out_x <= 16'(em_x);
            out_y <= 16'(em_y);
            out_c <= 32'(f_first + em_f);
            out_value <= em_val;
          end
          if (em_adv) begin
            em_l <= em_l + 1;
            if (em_lane_last) begin  // next group, row, column
              st <= S_EM_POS;
              em_g <= em_g + 1;
              if (em_g + 1 >= n_groups) begin
                em_g <= 0;
                em_y <= em_y + 1;
                if (em_y + 1 >= (pool == P_AVG ? 32'sd1 : out_yd)) begin
                  em_y <= 0;
                  em_x <= em_x + 1;
                  if (pool == P_AVG || em_x + 1 >= ocf + occ) st <= S_EM_DRAIN;
                end
              end
            end
          end
        end
        S_EM_DRAIN: begin
          if (em_slot) begin
            done <= 1'b1;
            st <= S_READY;
          end
        end
        default: st <= S_UNCFG;
      endcase
    end
  end
endmodule
