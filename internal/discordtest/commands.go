package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord's application command limits, from its documentation.
const (
	maxChatCommands    = 100
	maxOptions         = 25
	maxDescription     = 100
	maxOptionLength    = 6000
	optionTypeMax      = int(discordgo.ApplicationCommandOptionAttachment)
	commandTypeDefault = int(discordgo.ChatApplicationCommand)
)

// commandNameRE is Discord's rule for command and option names.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// commandScope reads the app and optional guild from a commands route and
// checks them. Params are app[, guild][, command].
func (s *Server) commandScope(c *call, withID bool) (scope string, id string, errRep *reply) {
	p := c.params
	if withID {
		id, p = p[len(p)-1], p[:len(p)-1]
	}
	if p[0] != ApplicationID {
		r := apiError(http.StatusForbidden, 50001, "Missing Access")
		return "", "", &r
	}
	if len(p) == 2 {
		if s.guilds[p[1]] == nil {
			r := apiError(http.StatusForbidden, 50001, "Missing Access")
			return "", "", &r
		}
		scope = p[1]
	}
	return scope, id, nil
}

func (s *Server) listCommands(c *call) reply {
	scope, _, errRep := s.commandScope(c, false)
	if errRep != nil {
		return *errRep
	}
	out := []any{}
	for _, cmd := range s.commands[scope] {
		out = append(out, cmd)
	}
	return ok(out)
}

func (s *Server) overwriteCommands(c *call) reply {
	scope, _, errRep := s.commandScope(c, false)
	if errRep != nil {
		return *errRep
	}
	var cmds []map[string]any
	if err := json.Unmarshal(c.req.payload, &cmds); err != nil {
		return formError("_errors", "BASE_TYPE_ARRAY", "Must be an array of application commands.")
	}
	chat := 0
	seen := map[string]bool{}
	out := make([]map[string]any, 0, len(cmds))
	for i, cmd := range cmds {
		if r := validateCommand(fmt.Sprint(i), cmd); r != nil {
			return *r
		}
		key := fmt.Sprint(commandType(cmd), "/", cmd["name"])
		if seen[key] {
			return formError(fmt.Sprint(i, ".name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", fmt.Sprintf("Application command names must be unique (%v)", cmd["name"]))
		}
		seen[key] = true
		if commandType(cmd) == commandTypeDefault {
			chat++
		}
		out = append(out, s.storedCommandLocked(scope, cmd, ""))
	}
	if chat > maxChatCommands {
		return formError("_errors", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChatCommands))
	}
	s.commands[scope] = out
	list := make([]any, len(out))
	for i, cmd := range out {
		list[i] = cmd
	}
	return ok(list)
}

func (s *Server) createCommand(c *call) reply {
	scope, _, errRep := s.commandScope(c, false)
	if errRep != nil {
		return *errRep
	}
	cmd := c.jsonBody()
	if r := validateCommand("", cmd); r != nil {
		return *r
	}
	stored := s.storedCommandLocked(scope, cmd, "")
	list := s.commands[scope]
	for i, old := range list {
		if old["id"] == stored["id"] {
			list[i] = stored
			return ok(stored)
		}
	}
	s.commands[scope] = append(list, stored)
	return reply{http.StatusCreated, stored}
}

func (s *Server) findCommand(scope, id string) int {
	for i, cmd := range s.commands[scope] {
		if cmd["id"] == id {
			return i
		}
	}
	return -1
}

// commandAt resolves the command a /commands/{id} route names: its scope,
// id and index in s.commands[scope], or the error reply (bad scope, or 404
// Unknown application command).
func (s *Server) commandAt(c *call) (scope, id string, i int, errRep *reply) {
	scope, id, errRep = s.commandScope(c, true)
	if errRep != nil {
		return "", "", -1, errRep
	}
	if i = s.findCommand(scope, id); i < 0 {
		r := apiError(http.StatusNotFound, 10063, "Unknown application command")
		return "", "", -1, &r
	}
	return scope, id, i, nil
}

func (s *Server) getCommand(c *call) reply {
	scope, _, i, errRep := s.commandAt(c)
	if errRep != nil {
		return *errRep
	}
	return ok(s.commands[scope][i])
}

func (s *Server) editCommand(c *call) reply {
	scope, id, i, errRep := s.commandAt(c)
	if errRep != nil {
		return *errRep
	}
	merged := map[string]any{}
	for k, v := range s.commands[scope][i] {
		merged[k] = v
	}
	for k, v := range c.jsonBody() {
		merged[k] = v
	}
	if r := validateCommand("", merged); r != nil {
		return *r
	}
	s.commands[scope][i] = s.storedCommandLocked(scope, merged, id)
	return ok(s.commands[scope][i])
}

func (s *Server) deleteCommand(c *call) reply {
	scope, _, i, errRep := s.commandAt(c)
	if errRep != nil {
		return *errRep
	}
	s.commands[scope] = append(s.commands[scope][:i:i], s.commands[scope][i+1:]...)
	return noContent()
}

// storedCommandLocked is cmd as Discord stores and echoes it: with id (kept
// for a command of the same type and name, as Discord does), application_id,
// version and guild_id.
func (s *Server) storedCommandLocked(scope string, cmd map[string]any, id string) map[string]any {
	typ := commandType(cmd)
	if id == "" {
		for _, old := range s.commands[scope] {
			if commandType(old) == typ && old["name"] == cmd["name"] {
				id, _ = old["id"].(string)
			}
		}
	}
	if id == "" {
		id = s.nextIDLocked()
	}
	out := map[string]any{
		"default_member_permissions": nil,
		"nsfw":                       false,
		"options":                    []any{},
		"description":                "",
	}
	for k, v := range cmd {
		out[k] = v
	}
	out["id"] = id
	out["type"] = typ
	out["application_id"] = ApplicationID
	out["version"] = s.nextIDLocked()
	if scope != "" {
		out["guild_id"] = scope
	} else {
		delete(out, "guild_id")
	}
	return out
}

func commandType(cmd map[string]any) int {
	if t := num(cmd["type"]); t != 0 {
		return t
	}
	return commandTypeDefault
}

// validateCommand checks a command against Discord's naming and size rules.
func validateCommand(path string, cmd map[string]any) *reply {
	at := func(field string) string {
		if path == "" {
			return field
		}
		return path + "." + field
	}
	typ := commandType(cmd)
	name, _ := cmd["name"].(string)
	if r := validateName(at("name"), name, typ == commandTypeDefault); r != nil {
		return r
	}
	desc := runes(cmd["description"])
	switch {
	case typ == commandTypeDefault && (desc == 0 || desc > maxDescription):
		r := formError(at("description"), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxDescription))
		return &r
	case typ != commandTypeDefault && desc != 0:
		r := formError(at("description"), "APPLICATION_COMMAND_DESCRIPTION_NOT_EMPTY", "User and message commands cannot have a description.")
		return &r
	}
	return validateOptions(at("options"), asSlice(cmd["options"]), 0)
}

func validateName(path, name string, lower bool) *reply {
	if !commandNameRE.MatchString(name) {
		r := formError(path, "APPLICATION_COMMAND_INVALID_NAME", fmt.Sprintf("Command name %q is invalid: 1-32 letters, digits, '-' or '_'.", name))
		return &r
	}
	if lower && name != strings.ToLower(name) {
		r := formError(path, "APPLICATION_COMMAND_INVALID_NAME", fmt.Sprintf("Command name %q must be lowercase.", name))
		return &r
	}
	return nil
}

// validateOptions checks one level of options. parent is the type of the
// option holding them: 0 for the command itself, a subcommand or a group.
func validateOptions(path string, opts []any, parent int) *reply {
	fail := func(field, code, msg string) *reply { r := formError(field, code, msg); return &r }
	if len(opts) > maxOptions {
		return fail(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxOptions))
	}
	seenOptional, subs, plain := false, 0, 0
	names := map[string]bool{}
	for i, o := range opts {
		om, _ := o.(map[string]any)
		p := fmt.Sprintf("%s.%d", path, i)
		typ := num(om["type"])
		if typ < 1 || typ > optionTypeMax {
			return fail(p+".type", "BASE_TYPE_CHOICES", fmt.Sprintf("Value must be one of 1..%d.", optionTypeMax))
		}
		name, _ := om["name"].(string)
		if r := validateName(p+".name", name, true); r != nil {
			return r
		}
		if names[name] {
			return fail(p+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique.")
		}
		names[name] = true
		if d := runes(om["description"]); d == 0 || d > maxDescription {
			return fail(p+".description", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxDescription))
		}
		required, _ := om["required"].(bool)
		isSub := typ == int(discordgo.ApplicationCommandOptionSubCommand) || typ == int(discordgo.ApplicationCommandOptionSubCommandGroup)
		if isSub {
			subs++
			if required {
				return fail(p+".required", "APPLICATION_COMMAND_OPTION_REQUIRED_SUBCOMMAND", "Subcommands cannot be required.")
			}
			if parent == int(discordgo.ApplicationCommandOptionSubCommand) || (parent != 0 && typ == int(discordgo.ApplicationCommandOptionSubCommandGroup)) {
				return fail(p+".type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands nest at most group > subcommand.")
			}
			if r := validateOptions(p+".options", asSlice(om["options"]), typ); r != nil {
				return r
			}
			continue
		}
		plain++
		if parent == int(discordgo.ApplicationCommandOptionSubCommandGroup) {
			return fail(p+".type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "A subcommand group holds only subcommands.")
		}
		if required && seenOptional {
			return fail(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options.")
		}
		seenOptional = seenOptional || !required
		choices := asSlice(om["choices"])
		if len(choices) > maxChoices {
			return fail(p+".choices", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoices))
		}
		if auto, _ := om["autocomplete"].(bool); auto && len(choices) > 0 {
			return fail(p+".autocomplete", "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES", "Autocomplete cannot be set with choices.")
		}
		for j, ch := range choices {
			cm, _ := ch.(map[string]any)
			if n := runes(cm["name"]); n == 0 || n > maxChoiceName {
				return fail(fmt.Sprintf("%s.choices.%d.name", p, j), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxChoiceName))
			}
		}
		for _, k := range []string{"min_length", "max_length"} {
			if v, set := om[k]; set && v != nil && (num(v) < 0 || num(v) > maxOptionLength) {
				return fail(p+"."+k, "NUMBER_TYPE_MAX", fmt.Sprintf("Must be between 0 and %d.", maxOptionLength))
			}
		}
	}
	if subs > 0 && plain > 0 {
		return fail(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands and options cannot be mixed at one level.")
	}
	return nil
}
