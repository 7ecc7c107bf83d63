import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Dim = number | string;
type Attr = number | number[] | string | { floats: number[] };

/** ONNX element types used here. */
export const DType = { float: 1, int8: 3, int32: 6, int64: 7, float16: 10 } as const;

/**
 * A small builder for ONNX graphs: initializers from typed arrays, nodes with generated output
 * names, symbolic input dimensions. Encoding goes through `onnx-proto` (the official schema),
 * so files are exactly what onnxruntime expects; the same inputs always give the same bytes.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  /** Adds a constant tensor; returns its name. */
  init(
    name: string,
    dims: number[],
    data: Float32Array | BigInt64Array | Int32Array | Uint16Array | Int8Array,
  ): string {
    const dataType =
      data instanceof Int8Array
        ? DType.int8
        : data instanceof Float32Array
          ? DType.float
          : data instanceof BigInt64Array
            ? DType.int64
            : data instanceof Int32Array
              ? DType.int32
              : DType.float16;
    this.inits.push({
      name,
      dims,
      dataType,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A float32 scalar or vector constant. */
  f32(values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): string {
    return this.init(this.fresh('c'), dims, Float32Array.from(values));
  }

  /** An int64 scalar or vector constant. */
  i64(values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): string {
    return this.init(this.fresh('c'), dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a node with one output; returns the output name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return out;
  }

  /** Adds a node with several named outputs (TopK, Split, ...). */
  opMulti(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, Attr> = {},
  ): string[] {
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return outputs;
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Serialises the model (IR 8, default-domain opset `opset`). */
  toBytes(opset = 17, producer = 'techmatch'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: 'main',
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** Writes the model file, creating its folder. */
  save(file: string, opset = 17): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, this.toBytes(opset));
  }
}

function attribute(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'object') return { name, type: T.FLOATS, floats: v.floats };
  return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
}

function valueInfo(name: string, elemType: number, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** Float32 → IEEE half (round to nearest), for compact weight storage. */
export function toFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    const mant = x & 0x7fffff;
    if (exp <= 0) {
      out[i] = exp < -10 ? sign : sign | ((mant | 0x800000) >> (1 - exp + 13));
    } else if (exp >= 31) {
      out[i] = sign | 0x7c00;
    } else {
      const h = sign | (exp << 10) | (mant >> 13);
      out[i] = h + ((mant >> 12) & 1);
    }
  }
  return out;
}
