import { createRequire } from "node:module";
import { Language, Parser, type Node, type Tree } from "web-tree-sitter";

export type { Node };

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Loads tree-sitter and its bash grammar (both WASM) once per process; parsing afterwards is synchronous. */
export function loadBashGrammar(): Promise<void> {
  loading ??= (async () => {
    await Parser.init();
    // The grammar ships its own .wasm beside its package.json; resolving through the package keeps the
    // path right wherever npm put it.
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve("tree-sitter-bash/tree-sitter-bash.wasm");
    const language = await Language.load(wasmPath);
    const instance = new Parser();
    instance.setLanguage(language);
    parser = instance;
  })();
  return loading;
}

/** True once loadBashGrammar has finished. */
export function grammarLoaded(): boolean {
  return parser !== undefined;
}

/** Parses bash text. The caller must delete() the tree. Throws only when the grammar is not loaded. */
export function parseBash(text: string): Tree {
  if (!parser) throw new Error("the bash grammar is not loaded: await loadShellParser() first");
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/** The first ERROR or MISSING node in document order, for a parse error's position. */
export function firstError(root: Node): Node | null {
  if (!root.hasError) return null;
  const cursor = root.walk();
  try {
    for (;;) {
      const node = cursor.currentNode;
      if (node.isError || node.isMissing) return node;
      if (node.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return root;
      }
    }
  } finally {
    cursor.delete();
  }
}
