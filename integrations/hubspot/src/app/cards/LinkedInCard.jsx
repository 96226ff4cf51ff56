// The snapbridge app card: on a contact or company record it asks
// snapbridge, through hubspot.fetch, for a one-time widget URL and opens
// it in an iframe modal. hubspot.fetch goes through HubSpot's servers,
// which add userId, userEmail, appId and portalId to the query and sign
// the request with the app's client secret (X-HubSpot-Signature-v3);
// snapbridge checks that signature and the portal, so the card holds no
// secret.
import React, { useState } from 'react';
import { Alert, Button, Flex, Text, hubspot } from '@hubspot/ui-extensions';

// SNAPBRIDGE_URL is the address HubSpot calls snapbridge at: the server's
// publicUrl, or the tenant's host.hubspot.publicUrl when they differ. It
// must be listed in permittedUrls.fetch and permittedUrls.iframe of
// app-hsmeta.json.
const SNAPBRIDGE_URL = 'https://snapbridge.example.com';
// TENANT is the snapbridge tenant id of this HubSpot account.
const TENANT = 'acme';

// The properties snapbridge shows and the Sales Navigator panel matches
// people by (HubSpot has no LinkedIn CRM Sync).
const PROPERTIES = {
  CONTACT: ['firstname', 'lastname', 'email', 'jobtitle', 'company'],
  COMPANY: ['name', 'domain'],
};

hubspot.extend(({ context, actions }) => <LinkedInCard context={context} actions={actions} />);

const LinkedInCard = ({ context, actions }) => {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  // 0-2 is HubSpot's object type id of companies; the card is only
  // placed on contacts and companies (linkedin-card-hsmeta.json).
  const objectType = context.crm.objectTypeId === '0-2' ? 'COMPANY' : 'CONTACT';

  const open = async () => {
    setBusy(true);
    setProblem('');
    try {
      const properties = await actions.fetchCrmObjectProperties(PROPERTIES[objectType]);
      const response = await hubspot.fetch(`${SNAPBRIDGE_URL}/hubspot/${encodeURIComponent(TENANT)}/card`, {
        method: 'POST',
        timeout: 10000,
        body: { objectType, objectId: String(context.crm.objectId), properties },
      });
      const answer = await response.json();
      if (!response.ok || !answer.url) {
        // snapbridge answers {"error": {"code", "message"}}; the message
        // says what to fix.
        setProblem(answer.error?.message || `snapbridge answered ${response.status}`);
        return;
      }
      // The URL works once and for answer.expiresIn seconds: open it now.
      actions.openIframeModal({
        uri: answer.url,
        title: 'LinkedIn Sales Navigator',
        width: 360,
        height: 640,
        flush: true,
      });
    } catch (err) {
      setProblem('snapbridge could not be reached; try again in a moment.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex direction="column" gap="small">
      <Text>See this {objectType === 'COMPANY' ? 'company' : 'person'} in LinkedIn Sales Navigator without leaving HubSpot.</Text>
      <Button variant="primary" onClick={open} disabled={busy}>
        {busy ? 'Opening…' : 'Open Sales Navigator'}
      </Button>
      {problem && (
        <Alert title="Sales Navigator did not open" variant="error">
          {problem}
        </Alert>
      )}
    </Flex>
  );
};
