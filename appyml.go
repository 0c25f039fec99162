package rigel

import _ "embed" // app.yml

// AppYAML is app.yml: the GitHub App's name, description, webhook, permissions and events.
//
//go:embed app.yml
var AppYAML []byte
