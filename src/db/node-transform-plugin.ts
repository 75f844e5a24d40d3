// A Kysely plugin that rewrites each query's tree with one transformer and leaves results alone:
// the shape of Flint's IN-list plugins (in-list-lengths.ts, pg-long-in-lists.ts).
import type {
  KyselyPlugin, OperationNodeTransformer, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow,
} from 'kysely';

export class NodeTransformPlugin implements KyselyPlugin {
  constructor(private readonly transformer: OperationNodeTransformer) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
