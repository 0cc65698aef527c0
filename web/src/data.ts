import { QueryClient, useMutation, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { get } from './api.ts';

export const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 2_000 } } });

/** GET a path with react-query; the path is the key, so invalidating a prefix refreshes it. */
export function useGet<T = any>(path: string | null, opts: Partial<UseQueryOptions<T>> = {}) {
  return useQuery<T>({ queryKey: [path], queryFn: () => get<T>(path!), enabled: path !== null, ...opts });
}

/** Refreshes every query whose path starts with one of the prefixes. */
export function invalidate(...prefixes: string[]) {
  return queryClient.invalidateQueries({ predicate: (q) => prefixes.some((p) => String(q.queryKey[0]).startsWith(p)) });
}

/** A mutation that refreshes the given prefixes when it succeeds. */
export function useAction<A, R = any>(fn: (arg: A) => Promise<R>, refresh: string[] = [], onSuccess?: (r: R, arg: A) => void) {
  return useMutation<R, Error, A>({
    mutationFn: fn,
    onSuccess: async (r, arg) => {
      await invalidate(...refresh);
      onSuccess?.(r, arg);
    },
  });
}
