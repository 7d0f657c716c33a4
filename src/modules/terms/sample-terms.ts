/**
 * Sample texts every fresh install starts with. They are Darwaza's own plain-language samples,
 * written for this project: an operator replaces them with its lawyers' text by publishing new
 * versions.
 */
export const sampleGeneralTerms = `# Darwaza general terms of use

These terms are an agreement between you and the network operator that runs this portal
("we", "us"). They cover the portal, the sandbox, the APIs and their documentation. When you
act for a company, you confirm that you may bind it, and "you" then means that company.

## 1. What you may do
We give you a limited right to read the documentation and call the APIs so that you can
build, test and support an app that connects to our services. The right is personal to you:
you cannot transfer it, share it or grant it onward to anyone else. Everything not granted
here stays with us.

## 2. Your account
Keep your password, authenticator and client credentials secret. Everything done with your
login or your app's credentials counts as done by you. Tell us at once if you think someone
else has them. Keep your details and your company's details correct and current.

## 3. The sandbox is for simulated data only
The sandbox runs on a simulated network with made-up banks, accounts, billers and merchants.
Send it only invented test data. Never send real customer details, real account or card
numbers, or real transactions. Requests that look like they carry live data are refused and
may lead us to act on your account. The sandbox is a test environment and may be slow,
changed or unavailable at any time.

## 4. Limits
Each API and plan has limits, such as calls per second, calls per day and the number of end
users your app may serve. Stay within them and do not try to get around them. If you need
more, ask through the portal; we may say yes, say no, or say yes on conditions.

## 5. We watch how the APIs are used
We record and review usage to stop fraud, to keep the network from being overloaded, to run
and improve the service, to check that apps follow these terms, and to look into suspected
misuse or breaches of the law.

## 6. Things you must not do
- break the law or anyone's rights, including ours;
- get around, probe or test our security, or run penetration, load or stress tests;
- disrupt, overload or damage the portal, the APIs or the networks behind them;
- hide who you are or which app is calling, or use another app's credentials;
- upload or pass on malicious code of any kind;
- copy, decompile, reverse engineer or build a substitute for the APIs, or resell, rent or
  share access to them with anyone else;
- harass or threaten other people on the portal or its forums;
- use the APIs where a failure could put lives, health or the environment at risk.

## 7. Your own systems
You are responsible for the security of your own systems. If you or anyone connected with
you floods the APIs or attacks them, you must stop it at once; we may throttle or suspend
your apps to protect the network.

## 8. Ending the agreement
You may stop using the APIs whenever you like. To end this agreement for your organisation,
give us written notice through the portal with a date that respects the notice period shown
there; you can withdraw the notice before that date. On the date, your credentials stop
working, subscriptions end and your data is kept read-only for a retention period. We may
suspend or end your access at any time, with or without notice, in particular if you break
these terms; a serious breach ends your access automatically.

## 9. Changes to these terms
We may change these terms. We publish each new version in the portal and tell you by e-mail
and in the portal. An ordinary change takes effect at least 15 days after we publish it.
A change needed for legal reasons, or one that only covers a new function of an API, may take
effect as soon as it is published. Changes never reach back to earlier use. If you do not
agree with a new version, you may decline it before it takes effect and stop using the APIs;
if you keep using the APIs once it is in effect, you accept it.

## 10. No promises
The portal, the sandbox and the APIs are offered as they are, without any warranty, to the
extent the law allows. We do not promise that they will be available, accurate or free of
errors, and we are not liable for losses that come from using them. You will cover us for
claims by others that arise from your use or from your breach of these terms.

## 11. Law and courts
The laws of Pakistan govern these terms. The courts at Karachi alone decide any dispute
about them.
`;

export const sampleGeneralSummary = 'First published version of the general terms of use.';

export const sampleBillsTerms = `# Additional terms for the bills product

These additional terms apply to the bills API (bill inquiry, bill payment and payment
reversal) on top of the general terms. Where the two disagree about this product, these
additional terms win.

1. **Billers and consumer numbers.** In the sandbox, use only the simulated billers and the
   consumer numbers listed in the sandbox guide. Do not send a real customer's reference.
2. **One payment per bill.** Check the bill status with an inquiry before you pay, and send an
   idempotency key with every payment so that a retry never pays a bill twice.
3. **Reversals.** Only reverse a payment you made yourself, and only within the window the API
   documentation gives. A reversal is not a refund channel for other disputes.
4. **Receipts.** Show the end user the amount, the biller and the transaction reference the
   API returns; do not present a pending payment as complete.
5. **Retention.** Keep records of payments your app made for as long as the documentation
   asks, and hand them over if we or a regulator ask for them.
`;

export const sampleBillsSummary = 'First published version of the additional terms for the bills API.';
