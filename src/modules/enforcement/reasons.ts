/**
 * Why an enforcement action was taken, as a category the organisation can act on: each has the
 * text shown in notices, e-mails and the portal, and what the organisation should do next. The
 * operator's own note travels beside it; the category is what every notice leads with.
 */
export const reasonCategories = {
  security_testing: {
    label: 'Security testing, scanning or probing of the platform',
    nextSteps:
      'Stop the testing now and find who ran it. Reply to the incident in the portal with what you found and what you changed.',
  },
  excessive_load: {
    label: 'Traffic beyond your plan, or load and stress testing',
    nextSteps:
      "Bring your call rate within your plan's limits. If you need more, ask for a limit increase from the app's page.",
  },
  denial_of_service: {
    label: 'Flooding or disrupting the APIs',
    nextSteps:
      'Find and stop the source of the traffic: your organisation must act on floods by anyone associated with it. Reply to the incident when it has stopped.',
  },
  credential_misuse: {
    label: 'Credentials shared, exposed or used from somewhere else',
    nextSteps:
      "Reset the app's client secret, revoke its tokens and check who holds them. Reply to the incident when done.",
  },
  live_data_in_sandbox: {
    label: 'Live customer data sent to the sandbox',
    nextSteps:
      'Use only the simulated accounts, cards and numbers of the sandbox, and remove live data from your test systems.',
  },
  terms_breach: {
    label: 'A breach of the terms of use',
    nextSteps: 'Read the clause named in the notice and reply to the operator with what you have changed.',
  },
  outdated_information: {
    label: "Your organisation's information is incomplete or out of date",
    nextSteps: "Update and re-confirm your organisation's details in the portal.",
  },
  organization_request: {
    label: "At your organisation's own request",
    nextSteps: 'An admin of your organisation can reinstate the app from its page when ready.',
  },
  other: {
    label: "Another reason (see the operator's note)",
    nextSteps: "Read the operator's note and reply through the portal if anything is unclear.",
  },
} as const;

export type ReasonCategory = keyof typeof reasonCategories;
export const REASON_CATEGORIES = Object.keys(reasonCategories) as [ReasonCategory, ...ReasonCategory[]];

/** The organisation's reading of a category: its label and what to do next. */
export function reasonText(category: ReasonCategory): { label: string; nextSteps: string } {
  return reasonCategories[category];
}
