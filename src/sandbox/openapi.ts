/** Placeholder; replaced by the full documents. */
export type SandboxProduct = {
  slug: string;
  name: string;
  description: string;
  openapi: Record<string, unknown>;
};
export const sandboxProducts: SandboxProduct[] = [];
