/** The evaluator's public API (re-exported by index.ts). */
export { toJSON } from "./builtins/json.ts";
export { registerBuiltin, registerConstant } from "./builtins/registry.ts";
export { coerceToPath, coerceToString } from "./coerce.ts";
export {
  isNixError,
  NixError,
  renderEvalError,
  throwCatchable,
  throwEval,
} from "./eval-error.ts";
export { Evaluator, type EvaluatorOptions } from "./evaluate.ts";
export {
  type AutoArg,
  autoCall,
  buildAutoArgs,
  evalRoot,
  findAlongAttrPath,
  type InstantiateOptions,
  instantiateEval,
  type RootSource,
} from "./instantiate.ts";
export { type EvalIO, type FileType, IOFailure, MemoryIO } from "./io.ts";
export { eqValues, lessThan, updateAttrs } from "./operators.ts";
export { deepForce, printValue, showValue } from "./print-value.ts";
export type { SearchPathEntry } from "./runtime.ts";
export * as runtime from "./runtime.ts";
export { parseEntry, parseSearchPath } from "./search-path.ts";
export {
  type Code,
  type Env,
  force,
  isFunction,
  isInt,
  isString,
  Lambda as LambdaValue,
  type LambdaInfo,
  mkString,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  type Pos,
  PrimOp,
  PrimOpApp,
  SingleContext,
  type Slot,
  type StringContext,
  showType,
  strOf,
  Thunk,
  typeOf,
  type Value,
  valueThunk,
} from "./values.ts";
