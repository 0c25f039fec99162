package app

import (
	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/model"
	"github.com/rigel-gitops/rigel/ops"
)

// modelAdvisor is the optional model `/rigel fix` asks when its rules have no fix (issue 16):
// nil when RIGEL_MODEL_URL is not set.
func modelAdvisor(s *config.Settings) (ops.Advisor, error) {
	if s.ModelURL == "" {
		return nil, nil
	}
	c, err := model.New(model.Config{URL: s.ModelURL, Name: s.ModelName, KeyFile: s.ModelKeyFile, Timeout: s.ModelTimeout})
	if err != nil {
		return nil, err
	}
	return c, nil
}
