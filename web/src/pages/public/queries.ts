import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api.ts';

/** The catalogue area's query keys. */
export const catalogKeys = {
  products: ['products'],
  product: (slug: string) => ['product', slug],
  applicableTerms: (productSlug: string | null) => ['applicable-terms', productSlug],
  catalogs: ['catalogs'],
} as const;

export function useProducts() {
  return useQuery({
    queryKey: catalogKeys.products,
    queryFn: async () => (await ok(api.GET('/api/v1/products'))).items,
    staleTime: 60_000,
  });
}

export function useProduct(slug: string) {
  return useQuery({
    queryKey: catalogKeys.product(slug),
    queryFn: () => ok(api.GET('/api/v1/products/{slug}', { params: { path: { slug } } })),
    staleTime: 60_000,
  });
}

export function useApplicableTerms(productSlug?: string) {
  return useQuery({
    queryKey: catalogKeys.applicableTerms(productSlug ?? null),
    queryFn: () =>
      ok(
        api.GET('/api/v1/terms/applicable', {
          params: { query: productSlug ? { product: productSlug } : undefined },
        }),
      ),
    staleTime: 60_000,
  });
}

/** The general terms version in force (for sign-up). */
export function useCurrentTerms() {
  const q = useApplicableTerms();
  const general = q.data?.documents.find((d) => d.kind === 'general');
  return {
    ...q,
    data: general?.inForce ? { versionId: general.inForce.id, version: general.inForce.version } : null,
  };
}
