// NaElement: one ZAPI XML element (name, text content, attributes, ordered children),
// built by the client, serialized with escaping, and parsed back from a filer's reply.
import { XMLParser } from 'fast-xml-parser';

/** A value translateStruct accepts: scalars become text, objects nest, arrays repeat. */
export type NaStruct = string | number | boolean | null | undefined | NaStructMap | NaStruct[];
export interface NaStructMap {
  [key: string]: NaStruct;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export class NaElement {
  readonly name: string;
  private content: string | null;
  private readonly attrs = new Map<string, string>();
  private readonly children: NaElement[] = [];

  constructor(name: string, content: string | number | boolean | null = null) {
    if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw new TypeError(`Invalid ZAPI element name '${name}'.`);
    this.name = name;
    this.content = content === null ? null : String(content);
  }

  /** `NaElement.create('lun-create-by-size', { path, size })`: an API call with its inputs. */
  static create(name: string, struct?: NaStructMap): NaElement {
    const el = new NaElement(name);
    if (struct) el.translateStruct(struct);
    return el;
  }

  getContent(): string | null {
    return this.content;
  }
  setContent(content: string | number | boolean | null): this {
    this.content = content === null ? null : String(content);
    return this;
  }
  getAttr(name: string): string | undefined {
    return this.attrs.get(name);
  }
  setAttr(name: string, value: string | number): this {
    this.attrs.set(name, String(value));
    return this;
  }
  attrNames(): string[] {
    return [...this.attrs.keys()];
  }

  addChild(child: NaElement): this {
    this.children.push(child);
    return this;
  }
  /** Adds `<name>content</name>` and returns this element (for chaining), like the seeds' add_new_child. */
  addNewChild(name: string, content: string | number | boolean | null = null): this {
    return this.addChild(new NaElement(name, content));
  }
  getChildren(): readonly NaElement[] {
    return this.children;
  }
  hasChildren(): boolean {
    return this.children.length > 0;
  }
  getChildByName(name: string): NaElement | undefined {
    return this.children.find((c) => c.name === name);
  }
  getChildrenByName(name: string): NaElement[] {
    return this.children.filter((c) => c.name === name);
  }
  /** Text of the first child named `name`, or null when absent. */
  getChildContent(name: string): string | null {
    return this.getChildByName(name)?.content ?? null;
  }
  /** Follows a chain of child names: `el.path('attributes-list', 'lun-info')`. */
  path(...names: string[]): NaElement | undefined {
    let cur: NaElement | undefined = this;
    for (const n of names) cur = cur?.getChildByName(n);
    return cur;
  }

  /**
   * Adds children from a map, like the seeds' translate_struct: a scalar becomes
   * `<key>value</key>`, an object nests, an array of objects fills one `<key>` element,
   * an array of scalars repeats `<key>` once per value.
   */
  translateStruct(struct: NaStructMap): this {
    for (const [key, value] of Object.entries(struct)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        if (value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
          const holder = new NaElement(key);
          for (const item of value) holder.translateStruct(item as NaStructMap);
          this.addChild(holder);
        } else {
          for (const item of value) this.addNewChild(key, item as string | number | boolean | null);
        }
      } else if (value !== null && typeof value === 'object') {
        this.addChild(new NaElement(key).translateStruct(value));
      } else {
        this.addNewChild(key, value);
      }
    }
    return this;
  }

  toXml(): string {
    let attrs = '';
    for (const [k, v] of this.attrs) attrs += ` ${k}="${escapeXml(v)}"`;
    const inner = (this.content !== null ? escapeXml(this.content) : '') + this.children.map((c) => c.toXml()).join('');
    return inner === '' && this.content === null ? `<${this.name}${attrs}/>` : `<${this.name}${attrs}>${inner}</${this.name}>`;
  }

  toString(): string {
    return this.toXml();
  }

  /** Parses an XML document (or fragment with one root) into an element tree. */
  static parse(xml: string): NaElement {
    const nodes = parser.parse(xml) as OrderedNode[];
    const root = nodes.find((n) => elementName(n) !== undefined);
    if (!root) throw new SyntaxError('XML document has no root element.');
    return fromOrdered(root);
  }
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('!') && !k.startsWith('?'));
}

function fromOrdered(node: OrderedNode): NaElement {
  const name = elementName(node)!;
  const el = new NaElement(name);
  const attrs = (node[':@'] ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(attrs)) el.setAttr(k, v);
  let text: string | null = null;
  for (const child of (node[name] ?? []) as OrderedNode[]) {
    if ('#text' in child) text = (text ?? '') + String(child['#text']);
    else if (elementName(child) !== undefined) el.addChild(fromOrdered(child));
  }
  if (text !== null) el.setContent(text);
  return el;
}
