import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/**
 * Booleans are stored as integers 0/1 on both engines (SQLite has no boolean type). This plugin
 * turns every boolean parameter into 0/1 so callers may write `true` on either engine.
 */
class BooleanTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const n = super.transformValue(node);
    return typeof n.value === 'boolean' ? { ...n, value: n.value ? 1 : 0 } : n;
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const n = super.transformPrimitiveValueList(node);
    return { ...n, values: n.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)) };
  }
}

export class BooleanToIntegerPlugin implements KyselyPlugin {
  readonly #t = new BooleanTransformer();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#t.transformNode(args.node);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
