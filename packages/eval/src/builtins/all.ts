/** Loads every builtin theme module (each registers its builtins). */
import "./core.ts";
import "./attrs.ts";
import "./lists.ts";
import "./strings.ts";
import "./json.ts";
import "./context.ts";
import "./hash.ts";
import "./files.ts";
import "./xml.ts";
import "./derivation.ts";
import "./toml.ts";
import "./versions.ts";
