interface Node {
  literal: Map<string, Node>;
  param: Node | null;
  template: string | null;
}

const newNode = (): Node => ({ literal: new Map(), param: null, template: null });

/**
 * Finds the route template a request path belongs to (`/v2/p1/jobs/j9` -> `/v2/{project_id}/jobs/{job_id}`),
 * so request metrics are labelled by template and never by raw URL: the label takes no more values
 * than there are routes. A literal segment wins over a parameter (`/jobs/changes` before `/jobs/{job_id}`).
 */
export class RouteMatcher {
  private readonly root = newNode();

  constructor(templates: Iterable<string>) {
    for (const template of templates) this.add(template);
  }

  /** The template, or null when no route has this path. */
  match(path: string): string | null {
    return this.walk(this.root, segments(path), 0);
  }

  private add(template: string): void {
    let node = this.root;
    for (const seg of segments(template)) {
      if (/^\{\w+\}$/.test(seg)) node = node.param ??= newNode();
      else {
        let next = node.literal.get(seg);
        if (!next) node.literal.set(seg, (next = newNode()));
        node = next;
      }
    }
    node.template = template;
  }

  private walk(node: Node, segs: string[], i: number): string | null {
    if (i === segs.length) return node.template;
    const literal = node.literal.get(segs[i]);
    const found = literal ? this.walk(literal, segs, i + 1) : null;
    if (found !== null || !node.param || segs[i] === '') return found;
    return this.walk(node.param, segs, i + 1);
  }
}

/** `/` -> [], `/v1/jobs/` -> ['v1', 'jobs'] (requests have their trailing slashes dropped). */
function segments(path: string): string[] {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.slice(1).split('/');
}
