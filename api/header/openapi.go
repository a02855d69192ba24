package header

import (
	"sort"
	"strings"
)

// docField is one property of a request body or answer data.
type docField struct {
	name, typ, desc string // typ: string, integer, boolean, amount (decimal in), decimal (out), or "[]Name"
	required        bool
}

// docOperation documents one dialect B path. list says data is an array of
// the data fields.
type docOperation struct {
	path, summary string
	body, data    []docField
	list          bool
}

func need(name, typ, desc string) docField { return docField{name, typ, desc, true} }
func may(name, typ, desc string) docField  { return docField{name, typ, desc, false} }

var (
	dNonce   = need("nonceStr", "string", "1-32 printable ASCII characters, fresh in every request (Params_nonceStr_repeated when reused within the window)")
	dOrderNo = may("orderNo", "string", "the platform's order number; send orderNo or mchOrderNo (Params_orderNo_Required when neither)")
	dMchNo   = may("mchOrderNo", "string", "the merchant's order number")
	dTime    = "yyyy-MM-dd HH:mm:ss in Peru time (UTC-5); null until final"
)

var payoutFields = []docField{may("merchantId", "integer", "the MerchantId"), may("mchOrderNo", "string", ""),
	may("orderNo", "string", "D..."), may("channelOrderNo", "string", "the channel's reference, \"\" before it gives one"),
	may("currency", "string", "PEN"), may("amount", "decimal", ""), may("fee", "decimal", ""),
	may("orderStatus", "string", "PROCESSING while pending; SUCCESS, FAIL or CANCEL when final"),
	may("resultDesc", "string", "SUCCESS, or the reason of FAIL/CANCEL (e.g. INVALID_BANK_ACCOUNT); \"\" while pending"),
	may("completionTime", "string", dTime)}

var payInFields = []docField{may("merchantId", "integer", ""), may("mchOrderNo", "string", ""), may("orderNo", "string", "C..."),
	may("payType", "integer", "601 Yape, 602 Plin, 603 PagoEfectivo, 604 online banking"), may("currency", "string", "PEN"),
	may("amount", "decimal", "ordered"), may("paidAmount", "decimal", "what arrived; 0.00 until paid"),
	may("orderFee", "decimal", "the fee, known once paid"), may("fee", "decimal", "the same as orderFee"),
	may("payCode", "string", "PagoEfectivo CIP code; null for pay-URL methods"), may("payUrl", "string", "the page the customer pays on; null for code methods"),
	may("orderStatus", "string", "PAYING, SUCCESS or FAIL (failed or expired)"),
	may("resultDesc", "string", "SUCCESS, ORDER_EXPIRED, or the reason of a failure; \"\" while PAYING"), may("expireTime", "string", "yyyy-MM-dd HH:mm:ss in Peru time"),
	may("completionTime", "string", dTime)}

// docOperations is the documented dialect B. TestOpenAPICoversRoutes keeps
// it and the handler's routes the same.
var docOperations = []docOperation{
	{path: "/api/payOut", summary: "Create a Peru payout (seed 002)",
		body: []docField{need("accountName", "string", "the payee's name"),
			need("accountNo", "string", "BBVA 18 or 20 digits, Interbank 13, BCP 13 (current) or 14 (savings), Scotiabank 10, others 10-20"),
			may("cciAccountNo", "string", "20-digit CCI with valid check digits; required for banks other than bankId 1-4"),
			need("accountType", "integer", "0 Corriente, 1 Ahorro"), need("currency", "string", "PEN"),
			need("amount", "amount", "10.00 to 2000.00"), need("bankId", "integer", "from /api/bankListQuery"),
			need("mchOrderNo", "string", "1-32 printable ASCII characters, unique per merchant (Params_mchOrderNo_repeated)"),
			may("notifyUrl", "string", "http or https; the merchant's default when absent"), dNonce,
			need("idType", "string", "1 DNI (8 digits), 2 passport (6-12 letters or digits), 3 CE (8-12), 4 RUC (11 digits, check digit)"),
			need("idCard", "string", "the payee's document number"), may("phone", "string", "digits with an optional +, 7-16 long"),
			may("email", "string", ""), may("remark", "string", "")},
		data: payoutFields},
	{path: "/api/payOutQuery", summary: "Query a payout", body: []docField{dOrderNo, dMchNo, dNonce}, data: payoutFields},
	{path: "/api/payIn", summary: "Create a Peru pay-in order",
		body: []docField{need("currency", "string", "PEN"), need("payType", "integer", "from /api/payInBankListQuery (or its channelCode as a string)"),
			need("amount", "amount", "within the method's limits"), may("reusableStatus", "boolean", "only false"),
			need("mchOrderNo", "string", "unique per merchant"), may("expireTime", "integer", "seconds, 60 to 604800; the method's default when absent"),
			may("notifyUrl", "string", ""), may("redirectUrl", "string", "where the hosted page sends the customer after paying"), dNonce,
			may("remark", "string", ""), may("realName", "string", "the payer's name"), may("phone", "string", ""), may("email", "string", "")},
		data: payInFields},
	{path: "/api/payInQuery", summary: "Query a pay-in order", body: []docField{dOrderNo, dMchNo, dNonce}, data: payInFields},
	{path: "/api/getBalance", summary: "The merchant's PEN balance", body: []docField{dNonce},
		data: []docField{may("mchId", "string", "the MerchantId"), may("currency", "string", "PEN"),
			may("balance", "decimal", "available; equal to dialect A's balance inquiry for PE"),
			may("unBalance", "decimal", "not yet available: collected and unsettled, plus held for payouts in flight")}},
	{path: "/api/bankListQuery", summary: "Peru's payout banks", body: []docField{dNonce}, list: true,
		data: []docField{may("bankId", "integer", ""), may("bankCode", "string", ""), may("bankName", "string", ""),
			may("cciRequired", "boolean", "payouts need cciAccountNo")}},
	{path: "/api/payInBankListQuery", summary: "Peru's pay-in methods", body: []docField{dNonce}, list: true,
		data: []docField{may("payType", "integer", "the value for payIn"), may("channelCode", "string", ""), may("name", "string", ""),
			may("channelType", "string", "EWALLET, BANK_TRANSFER or ONLINE_BANKING"), may("minAmount", "decimal", ""), may("maxAmount", "decimal", "")}},
}

// OpenAPIDescription is dialect B's paragraph of the document's
// description.
const OpenAPIDescription = "Dialect B, the header-signed API for Peru (PEN) under /api/: every call is a POST of a JSON body " +
	"with the headers MerchantId and Sign = hex MD5(body + apiKey), and a fresh nonceStr in the body. Answers are " +
	"{code, msg, detail, data}; code 200 with msg SUCCESS is success. Amounts are decimals in soles with two places."

// OpenAPIDoc returns dialect B's part of the OpenAPI 3.1 document: its
// paths, its component schemas (named B...) and its security schemes, the
// MerchantId and Sign headers. api/open's OpenAPI merges it into the one
// document that covers both dialects.
func OpenAPIDoc() (paths, schemas, securitySchemes map[string]any) {
	paths, schemas = map[string]any{}, map[string]any{}
	securitySchemes = map[string]any{
		"MerchantId": map[string]any{"type": "apiKey", "in": "header", "name": "MerchantId",
			"description": "Dialect B: the merchant's number, an integer (MerchantId_is_null, MerchantId_not_Number, MerchantId_is_error)."},
		"Sign": map[string]any{"type": "apiKey", "in": "header", "name": "Sign",
			"description": "Dialect B: hex MD5 of the exact request body bytes followed by the merchant's apiKey, " +
				"either case (Sign_verify_error). During a key rotation the old and the new apiKey both verify."},
	}
	for _, op := range docOperations {
		name := "B" + strings.ToUpper(op.path[5:6]) + op.path[6:]
		schemas[name+"Request"] = docObject(op.body)
		data := map[string]any{"$ref": "#/components/schemas/" + name + "Data"}
		schemas[name+"Data"] = docObject(op.data)
		if op.list {
			data = map[string]any{"type": "array", "items": data}
		}
		paths[op.path] = map[string]any{"post": map[string]any{
			"tags": []string{"Dialect B (Peru)"}, "summary": op.summary, "operationId": name,
			"security": []any{map[string]any{"MerchantId": []string{}, "Sign": []string{}}},
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/" + name + "Request"}}}},
			"responses": map[string]any{
				"200": docAnswer("SUCCESS (code 200), or a refusal: code 400 Params_*/Request*, 401 MerchantId_*/Sign_verify_error, "+
					"402 Merchant_balance_not_enough, 403 Request_ip_notWhiteList/Merchant_is_disabled, 404 Order_not_exist, "+
					"409 Params_mchOrderNo_repeated/Params_nonceStr_repeated, 503 Channel_not_available (data null)", data),
				"405": docAnswer("Not a POST (code 405, RequestMethod_not_post)", nil),
				"413": docAnswer("Body too large (code 413, RequestBody_too_large)", nil),
				"429": docAnswer("Too many requests: the merchant's rate limit is spent (code 429, Request_too_frequent); "+
					"retry after the Retry-After header's seconds with a fresh nonceStr", nil),
				"500": docAnswer("Internal error (code 500, System_error)", nil),
				"503": docAnswer("Temporarily unavailable (code 503, System_busy); retry with a fresh nonceStr", nil),
			},
		}}
	}
	return paths, schemas, securitySchemes
}

func docObject(fs []docField) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fs {
		var s map[string]any
		switch {
		case strings.HasPrefix(f.typ, "[]"):
			s = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/" + f.typ[2:]}}
		case f.typ == "amount":
			s = map[string]any{"type": []string{"number", "string"}, "description": "decimal in soles, at most two decimal places, a number or a string"}
		case f.typ == "decimal":
			s = map[string]any{"type": "number", "description": "decimal in major units with two places, e.g. 100.00"}
		default:
			s = map[string]any{"type": f.typ}
		}
		if f.desc != "" {
			if d, ok := s["description"].(string); ok {
				s["description"] = d + "; " + f.desc
			} else {
				s["description"] = f.desc
			}
		}
		props[f.name] = s
		if f.required {
			required = append(required, f.name)
		}
	}
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

func docAnswer(desc string, data any) map[string]any {
	props := map[string]any{"code": map[string]any{"type": "integer"}, "msg": map[string]any{"type": "string"},
		"detail": map[string]any{"type": "string", "description": "on refusals: the field and what was wrong"}}
	if data != nil {
		props["data"] = map[string]any{"oneOf": []any{data, map[string]any{"type": "null"}}}
	}
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"type": "object", "required": []string{"code", "msg"}, "properties": props}}}}
}
