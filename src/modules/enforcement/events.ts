/** Events the enforcement module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /**
     * An enforcement action was taken and committed (its effect on the app or organisation is in
     * place and gateways were told to drop what they cached). No subscriber yet: the gateway's
     * lease capping and the detectors' policies (issue 30) are its intended readers.
     */
    'enforcement.action_taken': {
      actionId: string;
      kind: string;
      orgId: string;
      appId: string | null;
    };
  }
}

export {};
