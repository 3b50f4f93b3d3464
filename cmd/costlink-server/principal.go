package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// identityTimeout bounds the start-up look-up of the service's AWS identity,
// which the SDK would otherwise retry for long without credentials.
const identityTimeout = 20 * time.Second

// loadAWSConfig loads the service's own AWS configuration from the SDK's
// standard chain, which health checks and the principal look-up use.
func loadAWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the service's AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // STS and IAM answer there for every account
	}
	return cfg, nil
}

// resolvePrincipalARN returns the principal customers' roles trust: the
// configured one, or the root of the AWS account the service's own
// credentials belong to (sts:GetCallerIdentity).
func resolvePrincipalARN(ctx context.Context, cfg aws.Config, configured string) (string, error) {
	if configured != "" {
		if _, err := validate.ParsePrincipalARN(configured); err != nil {
			return "", fmt.Errorf("--principal-arn: %w", err)
		}
		return configured, nil
	}
	ctx, cancel := context.WithTimeout(ctx, identityTimeout)
	defer cancel()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", principalError(err)
	}
	// arn:PARTITION:sts::ACCOUNT:assumed-role/... or arn:PARTITION:iam::ACCOUNT:user/...
	parts := strings.SplitN(aws.ToString(out.Arn), ":", 3)
	if len(parts) < 3 {
		return "", principalError(fmt.Errorf("unexpected caller ARN %q", aws.ToString(out.Arn)))
	}
	return fmt.Sprintf("arn:%s:iam::%s:root", parts[1], aws.ToString(out.Account)), nil
}

func principalError(err error) error {
	return fmt.Errorf("cannot find the service's AWS identity to derive the principal that customers' roles trust: %w. "+
		"Pass --principal-arn (or COSTLINK_PRINCIPAL_ARN), or give the service AWS credentials", err)
}
