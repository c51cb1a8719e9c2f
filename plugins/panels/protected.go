package panels

import (
	"context"
	"strings"

	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// passwordField is the custom id of the password form's text input.
const passwordField = "password"

// protectedButton is the info view's button that opens the password form
// of c's protected info.
func protectedButton(tr i18n.Translator, c api.ContainerInfo) sdk.Component {
	return sdk.Component{
		Type: sdk.ComponentButton, CustomID: "panels:pinfo:" + c.Container,
		Label: tr.T("info.protected"), Emoji: "🔒", Style: sdk.ButtonSecondary,
	}
}

// passwordForm is the modal that asks for ref's protected info password.
func passwordForm(tr i18n.Translator, ref string) *sdk.Response {
	return &sdk.Response{Modal: &sdk.Modal{
		CustomID: "panels:pwd:" + ref, Title: tr.T("info.protected_title"),
		Inputs: []sdk.Component{{
			Type: sdk.ComponentTextInput, CustomID: passwordField, Label: tr.T("info.password"),
			Required: true, MaxLength: api.MaxPasswordLen,
		}},
	}}
}

// HandleModal answers the protected info's password form: the containers
// plugin checks the password against its hash and counts wrong ones; the
// info is shown to the user who typed it only. The password is passed on,
// never logged.
func (p *Plugin) HandleModal(ctx context.Context, req *sdk.ModalRequest) (*sdk.Response, error) {
	tr := catalog().For(req.Interaction)
	ref, ok := strings.CutPrefix(req.CustomID, PluginID+":pwd:")
	if !ok || ref == "" {
		return nil, sdk.Errorf("%s", tr.T("error.unknown_button"))
	}
	// The host checks the declared level of the form; checked here too.
	if need := levelOf("pwd"); req.Level != 0 && !req.Level.Allows(need) {
		return nil, sdk.Errorf("⛔ %s: %w", tr.T("error.level", "Level", tr.T("level."+need.String())), sdk.ErrPermission)
	}
	res, err := api.ProtectedInfo(ctx, p.host, ref, req.Fields[passwordField])
	if err != nil {
		if msg, ok := sdk.UserMessage(err); ok {
			return nil, &sdk.UserError{Msg: "❌ " + msg, Err: err}
		}
		return nil, userErr(tr, err)
	}
	e := sdk.Embed{Title: "🔓 " + cut(res.DisplayName, 200), Description: cut(res.Text, 4000), Color: colorNeutral}
	return &sdk.Response{Message: sdk.Message{Embeds: []sdk.Embed{e}, Ephemeral: true}}, nil
}
