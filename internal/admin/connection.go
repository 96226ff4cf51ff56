package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// DefaultTestRecordID is the record looked up when the admin names none;
// LinkedIn answers 404 (no match) for it, which proves the set-up works.
const DefaultTestRecordID = "snapbridge-connection-test"

// Connection test step names.
const (
	StepAppToken    = "app token"
	StepAssociation = "profile association"
	StepCanvas      = "salesforce canvas"
	StepDynamics    = "dynamics sign-in"
)

// ConnectionStep is one check of a connection test.
type ConnectionStep struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// ConnectionReport says whether the tenant's LinkedIn set-up works and,
// step by step, what is wrong when it does not.
type ConnectionReport struct {
	OK    bool             `json:"ok"`
	Steps []ConnectionStep `json:"steps"`
}

// TestConnection proves the tenant's configuration against LinkedIn: it
// fetches a fresh app token (client credentials, r_sales_nav_profiles)
// and looks up one association (recordID, or DefaultTestRecordID). A 404
// means it works and simply has no match. The answer says what to fix;
// LinkedIn failures that are answers (not our faults) are in the report,
// not the error.
func (s *Service) TestConnection(ctx context.Context, actor, tenantID, recordID string) (ConnectionReport, error) {
	t, err := s.Tenant(tenantID)
	if err != nil {
		return ConnectionReport{}, err
	}
	if recordID == "" {
		recordID = DefaultTestRecordID
	}
	rep := ConnectionReport{}
	if sf := t.Salesforce(); sf != nil {
		rep.Steps = append(rep.Steps, canvasStep(t.ID, sf))
	}
	if hs := t.HubSpot(); hs != nil {
		rep.Steps = append(rep.Steps, hubSpotStep(t.ID, s.PublicURL, hs))
	}
	if d := t.Dynamics(); d != nil {
		rep.Steps = append(rep.Steps, dynamicsStep(t.ID, d))
	}
	// A cached token would prove nothing about the stored credentials.
	s.AppTokens.Invalidate(t.ID, linkedin.ScopeProfiles)
	token, err := s.AppTokens.Get(ctx, t, linkedin.ScopeProfiles)
	if err != nil {
		s.Errors.Record(t.ID, err)
		rep.Steps = append(rep.Steps,
			ConnectionStep{Name: StepAppToken, Message: appTokenProblem(err)},
			ConnectionStep{Name: StepAssociation, Message: "not tried: it needs an app token"})
	} else {
		rep.Steps = append(rep.Steps, ConnectionStep{Name: StepAppToken, OK: true,
			Message: "LinkedIn issued an app token for " + linkedin.ScopeProfiles})
		rep.Steps = append(rep.Steps, s.testAssociation(ctx, t, token, recordID))
	}
	rep.OK = true
	failed := []string{}
	for _, st := range rep.Steps {
		if !st.OK {
			rep.OK = false
			failed = append(failed, st.Name)
		}
	}
	detail := "connection works"
	if !rep.OK {
		detail = "connection failed at: " + strings.Join(failed, ", ")
	}
	return rep, s.Record(ctx, tenantID, actor, "tenant.test_connection", detail)
}

func (s *Service) testAssociation(ctx context.Context, t *tenant.Tenant, token, recordID string) ConnectionStep {
	step := ConnectionStep{Name: StepAssociation}
	key := linkedin.AssociationKey{Partner: t.CRM.Partner, InstanceID: t.CRM.InstanceID, RecordID: recordID}
	pa, err := s.LinkedIn.ProfileAssociation(ctx, token, key)
	switch {
	case err == nil:
		s.Errors.ObserveCRMSync(t.ID, CRMSyncEnabled)
		step.OK = true
		step.Message = fmt.Sprintf("works: record %s matches LinkedIn member %s", recordID, pa.Member)
	case linkedin.IsNotFound(err):
		s.Errors.ObserveCRMSync(t.ID, CRMSyncEnabled)
		step.OK = true
		step.Message = fmt.Sprintf("works: LinkedIn has no match for record %s (404), a normal answer", recordID)
	default:
		s.Errors.Record(t.ID, err)
		step.Message = associationProblem(t, err)
	}
	return step
}

// appTokenProblem explains why LinkedIn gave no app token.
func appTokenProblem(err error) string {
	e, ok := linkedin.AsError(err)
	switch {
	case !ok:
		return "could not ask LinkedIn for an app token: " + err.Error()
	case e.Status == 0:
		return "LinkedIn could not be reached; check the server's network and linkedin.* URLs"
	case e.Status == http.StatusUnauthorized || e.Code == "invalid_client":
		return "LinkedIn refused the client id/secret: check linkedin.clientId and linkedin.clientSecret against the LinkedIn developer application"
	case e.Code == "unauthorized_client" || e.Code == "invalid_scope" || e.Status == http.StatusForbidden:
		return "LinkedIn did not grant " + linkedin.ScopeProfiles + " to this application: the app needs the Sales Navigator Application Platform products (LinkedIn says: " + e.Message + ")"
	case e.Status == http.StatusTooManyRequests:
		return "LinkedIn is limiting requests (429); try again later"
	case e.Status >= 500:
		return fmt.Sprintf("LinkedIn failed (%d); try again later", e.Status)
	default:
		return fmt.Sprintf("LinkedIn refused the app token request (%d %s): %s", e.Status, e.Code, e.Message)
	}
}

// associationProblem explains a failed association look-up.
func associationProblem(t *tenant.Tenant, err error) string {
	e, ok := linkedin.AsError(err)
	switch {
	case !ok:
		return "could not look up an association: " + err.Error()
	case e.Status == http.StatusBadRequest && e.ServiceErrorCode == linkedin.CodeCRMSyncDisabled:
		return fmt.Sprintf("CRM Sync is not enabled for this CRM instance (crm.partner %s, crm.instanceId %s): turn on CRM Sync in Sales Navigator's CRM settings, or check that these values name the synced instance",
			t.CRM.Partner, t.CRM.InstanceID)
	case e.Status == http.StatusBadRequest && e.ServiceErrorCode == linkedin.CodeCRMSyncUnknown:
		return fmt.Sprintf("LinkedIn cannot determine the CRM Sync status of this CRM instance (crm.partner %s, crm.instanceId %s); check these values and try again later",
			t.CRM.Partner, t.CRM.InstanceID)
	case e.Status == http.StatusBadRequest:
		return "LinkedIn refused the look-up as malformed; check crm.partner and crm.instanceId (LinkedIn says: " + e.Message + ")"
	case e.Status == http.StatusUnauthorized:
		return "LinkedIn refused the app token it had just issued; try again"
	case e.Status == http.StatusForbidden:
		return "the application may not read profile associations (" + linkedin.ScopeProfiles + " missing)"
	case e.Status == http.StatusTooManyRequests:
		return "LinkedIn is limiting requests (429); try again later"
	case e.Status == 0:
		return "LinkedIn could not be reached; check the server's network and linkedin.* URLs"
	default:
		return fmt.Sprintf("LinkedIn failed (%d); try again later", e.Status)
	}
}

// canvasStep checks offline what can be checked of a Salesforce org's
// Canvas set-up (Salesforce cannot be asked without the org's consent):
// the settings are consistent, and it says what the Connected App and
// the org's pages must use.
func canvasStep(tenantID string, sf *tenant.SalesforceHost) ConnectionStep {
	origins := sf.Origins()
	if len(origins) == 0 || len(sf.ConsumerSecrets) == 0 {
		return ConnectionStep{Name: StepCanvas, Message: "host.salesforce is incomplete: set myDomain and the Connected App's consumer secret"}
	}
	return ConnectionStep{Name: StepCanvas, OK: true, Message: fmt.Sprintf(
		"signed requests of org %s are accepted at /w/%s/canvas with %d active consumer secret(s); pages of %s may frame the widget (checked offline: Salesforce is not asked)",
		sf.OrgID, tenantID, len(sf.ConsumerSecrets), strings.Join(origins, ", "))}
}
